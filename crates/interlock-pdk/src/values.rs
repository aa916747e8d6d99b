//! Value conversions any format may need: compact dates and date-times (`ccyymmdd`,
//! `ccyymmddhhmm`, as CHIEF and many mainframe exports write them) to the ISO 8601 text
//! the record types take.
//!
//! They rearrange digits and check only what they need for that (length, digits). Whether
//! the result is a real date (month 13, 31 February) is the host's check: it parses every
//! date of every record and names the record's line and the field path
//! (`record.valid_from`), so a plugin does not repeat it.

/// `ccyymmdd` (`20260505`) as `YYYY-MM-DD` (`2026-05-05`); `None` unless the text (trimmed)
/// is exactly eight ASCII digits.
pub fn compact_date(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All ASCII, so byte offsets are character offsets.
    Some(format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]))
}

/// `ccyymmddhhmm` (`202605051800`) or `ccyymmddhhmmss` as `YYYY-MM-DDTHH:MM:SS`
/// (`2026-05-05T18:00:00`, seconds `00` when the source has none); `None` unless the text
/// (trimmed) is twelve or fourteen ASCII digits.
pub fn compact_date_time(text: &str) -> Option<String> {
    let text = text.trim();
    if !matches!(text.len(), 12 | 14) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All ASCII from here, so byte offsets are character offsets.
    let date = compact_date(&text[..8])?;
    let seconds = Some(&text[12..]).filter(|s| !s.is_empty()).unwrap_or("00");
    Some(format!(
        "{date}T{}:{}:{seconds}",
        &text[8..10],
        &text[10..12]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_dates_become_iso_dates() {
        assert_eq!(compact_date("20260505").as_deref(), Some("2026-05-05"));
        assert_eq!(compact_date(" 19991231 ").as_deref(), Some("1999-12-31"));
    }

    #[test]
    fn only_the_layout_is_checked_the_calendar_is_the_host_s() {
        // The host refuses `2026-02-31` naming the record's field; here it is only moved.
        assert_eq!(compact_date("20260231").as_deref(), Some("2026-02-31"));
        for bad in [
            "",
            "2026050",
            "202605051",
            "2026-05-05",
            "2026O505",
            "２０２６０５０５",
        ] {
            assert_eq!(compact_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn compact_date_times_become_iso_date_times_with_seconds() {
        assert_eq!(
            compact_date_time("202605051800").as_deref(),
            Some("2026-05-05T18:00:00")
        );
        assert_eq!(
            compact_date_time("20260505180042").as_deref(),
            Some("2026-05-05T18:00:42")
        );
        for bad in [
            "20260505",
            "2026050518",
            "2026050518000",
            "20260505 1800",
            "2026050518x0",
        ] {
            assert_eq!(compact_date_time(bad), None, "{bad}");
        }
    }
}
