fn main() -> std::process::ExitCode {
    peerwell::cli::main()
}
