use super::*;

#[test]
fn the_connection_cap_leaves_descriptors_and_splits_per_client() {
    let limits = WebLimits::default();
    assert_eq!(limits.fit_descriptors(524_288, 96).max_connections, 1024);
    let low = limits.fit_descriptors(256, 96);
    assert_eq!((low.max_connections, low.per_client()), (160, 40));
    assert_eq!(limits.fit_descriptors(64, 96).max_connections, 16);
    assert_eq!(limits.fit_descriptors(0, 96).max_connections, 1);
    let set = WebLimits {
        max_connections_per_client: Some(5000),
        ..low
    };
    assert_eq!(set.per_client(), 160);
}

#[test]
fn a_client_holds_at_most_its_cap_and_gets_seats_back() {
    let clients = Clients::new(2);
    let a: IpAddr = "10.0.0.1".parse().unwrap();
    let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
    let b: IpAddr = "10.0.0.2".parse().unwrap();
    let one = clients.seat(a).unwrap();
    let _two = clients.seat(mapped).unwrap();
    assert!(clients.seat(a).is_none(), "the same address, IPv4-mapped");
    let _other = clients.seat(b).unwrap();
    drop(one);
    assert!(clients.seat(a).is_some());
}
