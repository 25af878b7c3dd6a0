use super::*;

#[test]
fn dates() {
    assert_eq!(parse_date("1876"), Some(Date::year(1876)));
    assert_eq!(parse_date("2024-02-29"), Date::day(2024, 2, 29));
    assert_eq!(parse_date("2024-02-29").unwrap().to_string(), "2024-02-29");
    assert_eq!(parse_date("0987").unwrap().to_string(), "0987");
    assert_eq!(parse_date("+987"), None);
    assert_eq!(parse_date("2000-02-29").map(|d| d.is_year()), Some(false));
    assert_eq!(parse_date("2023-02-29"), None);
    assert_eq!(parse_date("1900-02-29"), None);
    assert_eq!(parse_date("2020-13-01"), None);
    assert_eq!(parse_date("2020-1-01"), None);
    assert_eq!(parse_date("187"), None);
    assert_eq!(parse_date("1948é08-3"), None);
    assert_eq!(parse_date("194é-08-3"), None);
    assert_eq!(parse_date("éé"), None);
}

#[test]
fn slugs_emails_and_suggestions() {
    assert!(is_slug("ala") && is_slug("united-for-libraries") && is_slug("4h"));
    assert!(!is_slug("-ala") && !is_slug("ALA") && !is_slug("a_b") && !is_slug(""));
    assert!(is_email("info@nmla.org"));
    assert!(!is_email("info.nmla.org") && !is_email("a@b") && !is_email("a b@c.org"));
    assert_eq!(
        suggest("memerOf", ORGANIZATION_KEYS.iter().copied()),
        Some("memberOf")
    );
    assert_eq!(
        suggest("URL", ORGANIZATION_KEYS.iter().copied()),
        Some("url")
    );
    assert_eq!(suggest("website", ORGANIZATION_KEYS.iter().copied()), None);
}
