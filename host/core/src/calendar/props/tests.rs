use super::*;

/// What `ical` alone makes of a line.
fn ical(text: &str) -> Option<(Params, String)> {
    let p = PropertyParser::from_reader(text.as_bytes()).next()?.ok()?;
    Some((p.params.unwrap_or_default(), p.value.unwrap_or_default()))
}

#[test]
fn cached_parameters_match_ical_on_the_whole_line() {
    let lines = [
        "DTSTART;TZID=America/New_York:20260302T090000",
        "DTSTART;TZID=America/New_York:20260309T090000  ",
        "DTSTART;TZID=America/New_York:::20260309T090000",
        "DTSTART;TZID=America/New_York:",
        "RDATE;VALUE=PERIOD;TZID=A,B:20260302T090000/PT1H,20260303T090000/PT1H",
        "FREEBUSY;FBTYPE=BUSY:20260302T090000Z/PT1H;x=1",
        "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20260302T090000",
        "DTSTART;;tzid=Europe/Paris;:20260302T090000",
        "DTSTART;TZID=A=B:20260302T090000",
        "DTSTART;TZID=\"Europe/Paris\":20260302T090000",
        "DTSTART;TZID=\"Eu:rope\":20260302T090000",
        "DTSTART;X=1,2,3,4,5,6,7,8,9,10,11,12:v",
        "DTSTART;X:1=2",
    ];
    let mut cache = ParamCache::default();
    for round in 0..2 {
        for l in lines {
            let ours = cache
                .parse("t", 1, l.as_bytes())
                .ok()
                .map(|(p, v)| ((*p).clone(), v));
            assert_eq!(ours, ical(l), "round {round}: {l}");
        }
    }
    assert!(cache.seen.len() >= 5, "{}", cache.seen.len());
}
