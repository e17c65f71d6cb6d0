use super::*;

#[test]
fn a_private_cluster_serves_password_logins_and_restarts() {
    let mut cluster = Cluster::start().expect("starts");
    let db = cluster.database();
    let url = format!(
        "host=127.0.0.1 port={} user={ROLE} password={PASSWORD} dbname={}",
        cluster.port(),
        db.name()
    );
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("password login");
    let one: i32 = c.query_one("SELECT 1", &[]).expect("query").get(0);
    assert_eq!(one, 1);
    let wrong = url.replace(PASSWORD, "wrong");
    assert!(postgres::Client::connect(&wrong, postgres::NoTls).is_err());
    drop(c);
    let name = db.name().to_string();
    drop(db);
    cluster.stop().expect("stops");
    assert!(postgres::Client::connect(&url, postgres::NoTls).is_err());
    cluster.restart().expect("starts again");
    let db2 = cluster.database();
    assert_ne!(db2.name(), name);
    let dir = cluster.socket_dir().to_path_buf();
    drop(db2);
    drop(cluster);
    assert!(!dir.exists(), "the cluster's directory is removed");
}
