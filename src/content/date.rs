//! The precision-aware date type (ISO 8601 / EDTF subset): parsing, ordering and display.

use jiff::civil;
use std::fmt;

/// A date as written by an author: a single point or a range `A/B`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Date {
    start: DatePoint,
    end: Option<DatePoint>,
}

/// How much of a date was written, coarse → fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    Year,
    Month,
    Day,
    Minute,
    Second,
}

/// Why a date could not be parsed; `offset` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub message: String,
    pub help: String,
    pub offset: usize,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateError {}

/// UTC offset exactly as written: `Z`, or (negative, hours, minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Offset {
    Z,
    Fixed(bool, i8, i8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Time {
    hour: i8,
    minute: i8,
    second: Option<i8>,
    offset: Offset,
}

impl Time {
    fn offset_seconds(self) -> i64 {
        match self.offset {
            Offset::Z => 0,
            Offset::Fixed(neg, h, m) => {
                (1 - 2 * i64::from(neg)) * (i64::from(h) * 60 + i64::from(m)) * 60
            }
        }
    }

    fn push_offset(self, out: &mut String) {
        match self.offset {
            Offset::Z => out.push('Z'),
            Offset::Fixed(neg, h, m) => {
                out.push(if neg { '-' } else { '+' });
                push_padded(out, h.into(), 2);
                out.push(':');
                push_padded(out, m.into(), 2);
            }
        }
    }

    /// "00:32" or "00:32:15".
    fn push_clock(self, out: &mut String) {
        push_padded(out, self.hour.into(), 2);
        out.push(':');
        push_padded(out, self.minute.into(), 2);
        if let Some(s) = self.second {
            out.push(':');
            push_padded(out, s.into(), 2);
        }
    }
}

/// Appends `value` as `format!("{value:0width$}")` does. Dates are formatted a few hundred
/// thousand times in a large build, and the formatting machinery took 3 % of its CPU.
fn push_padded(out: &mut String, value: i64, width: usize) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(value.unsigned_abs());
    let sign = usize::from(value < 0);
    if sign == 1 {
        out.push('-');
    }
    for _ in digits.len() + sign..width {
        out.push('0');
    }
    out.push_str(digits);
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DatePoint {
    year: i16,
    month: Option<i8>,
    day: Option<i8>,
    time: Option<Time>,
    approximate: bool,
    uncertain: bool,
    /// First instant of the period in UTC, unix seconds (computed once when parsed).
    key: i64,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const FORMAT_HELP: &str =
    "write a date such as 1998, 2019-12, 2019-12-27 or 2020-01-03T00:32+03:00, or a range A/B";
const TIME_HELP: &str = "write the time as HH:MM or HH:MM:SS followed by Z or an offset";
const OFFSET_HELP: &str = "add Z or an offset such as +03:00";
/// The Unix epoch as a civil value; evaluated at compile time.
const EPOCH: civil::DateTime = civil::datetime(1970, 1, 1, 0, 0, 0, 0);

/// The English name of month `m` (1–12), "?" for any other number.
pub fn month_name(m: i8) -> &'static str {
    let index = usize::try_from(m).unwrap_or(0).wrapping_sub(1);
    MONTHS.get(index).copied().unwrap_or("?")
}

fn err(message: impl Into<String>, help: &str, offset: usize) -> DateError {
    let (message, help) = (message.into(), help.to_string());
    DateError {
        message,
        help,
        offset,
    }
}

/// A byte cursor over one date point; `base` is the point's offset in the whole input.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    base: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn at(&self) -> usize {
        self.base + self.pos
    }

    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn digits(&self) -> usize {
        let rest = self.s.as_bytes().get(self.pos..).unwrap_or_default();
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    }

    fn describe(&self) -> String {
        match self.s.get(self.pos..).and_then(|r| r.chars().next()) {
            Some(c) => format!("`{c}`"),
            None => "the end".to_string(),
        }
    }

    /// Reads exactly `n` digits (and no more) as a number.
    fn number(&mut self, n: usize, what: &str, help: &str) -> Result<i16, DateError> {
        let found = self.digits();
        let text = self.s.get(self.pos..self.pos + n).filter(|_| found == n);
        if let Some(v) = text.and_then(|t| t.parse().ok()) {
            self.pos += n;
            return Ok(v);
        }
        let message = match found {
            0 => format!("expected the {what}, found {}", self.describe()),
            _ => format!("the {what} must have exactly {n} digits"),
        };
        Err(err(message, help, self.at()))
    }

    /// Reads a two-digit field and checks that it lies in `lo..=hi`.
    fn field(&mut self, what: &str, lo: i8, hi: i8, help: &str) -> Result<i8, DateError> {
        let at = self.at();
        let v = self.number(2, what, help)?;
        match i8::try_from(v) {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => {
                let message = format!("{what} {v:02} is out of range ({lo:02}–{hi:02})");
                Err(err(message, help, at))
            }
        }
    }

    fn require(&mut self, byte: u8, what: &str, help: &str) -> Result<(), DateError> {
        if self.peek() != Some(byte) {
            let found = self.describe();
            let message = format!("expected `{}` {what}, found {found}", char::from(byte));
            return Err(err(message, help, self.at()));
        }
        self.pos += 1;
        Ok(())
    }

    fn unexpected(&self) -> DateError {
        let message = format!("unexpected {}", self.describe());
        err(message, FORMAT_HELP, self.at())
    }
}

fn parse_point(text: &str, base: usize) -> Result<DatePoint, DateError> {
    let (approximate, uncertain) = match text.as_bytes().last() {
        Some(b'~') => (true, false),
        Some(b'?') => (false, true),
        Some(b'%') => (true, true),
        _ => (false, false),
    };
    let cut = text.len() - usize::from(approximate || uncertain);
    let body = text.get(..cut).unwrap_or("");
    if body.is_empty() {
        return Err(err("a marker needs a date before it", FORMAT_HELP, base));
    }
    if matches!(body.as_bytes().last(), Some(b'~' | b'?' | b'%')) {
        let message = "only one of `~`, `?` or `%` may follow a date";
        let help = "use `%` for a date that is both approximate and uncertain";
        return Err(err(message, help, base + body.len() - 1));
    }
    let mut c = Cursor {
        s: body,
        pos: 0,
        base,
    };

    // Year: exactly four digits, 0001–9999.
    let year_help = "write the year with four digits, from 0001 to 9999";
    if matches!(c.peek(), Some(b'-' | b'+')) {
        return Err(err("signed years are not supported", year_help, base));
    }
    if c.digits() == 8 && body.len() == 8 {
        let message = "the parts of a date must be separated by `-`";
        return Err(err(message, "write 20190101 as 2019-01-01", base));
    }
    let year = c.number(4, "year", year_help)?;
    if year == 0 {
        let message = "year 0000 is out of range (0001–9999)";
        return Err(err(message, year_help, base));
    }
    let (mut month, mut day, mut time) = (None, None, None);
    if !c.done() {
        c.require(b'-', "after the year", FORMAT_HELP)?;
        month = Some(c.field("month", 1, 12, "write the month with two digits, e.g. 03")?);
    }
    if let (false, Some(m)) = (c.done(), month) {
        c.require(b'-', "after the month", FORMAT_HELP)?;
        let at = c.at();
        let d = c.field("day", 1, 31, "write the day with two digits, e.g. 04")?;
        day = Some(check_day(year, m, d, at)?);
    }
    if c.peek() == Some(b'T') {
        c.pos += 1;
        time = Some(parse_time(&mut c)?);
    }
    if !c.done() {
        return Err(c.unexpected());
    }
    let mut point = DatePoint {
        year,
        month,
        day,
        time,
        approximate,
        uncertain,
        key: 0,
    };
    point.key = first_instant(&point, base)?;
    Ok(point)
}

/// Checks the day against the calendar (jiff knows the month lengths).
fn check_day(year: i16, month: i8, day: i8, at: usize) -> Result<i8, DateError> {
    if civil::Date::new(year, month, day).is_ok() {
        return Ok(day);
    }
    let days = civil::Date::new(year, month, 1).map_or(0, |d| d.days_in_month());
    let (name, date) = (month_name(month), format!("{year:04}-{month:02}-{day:02}"));
    let message = format!("{date} is not a day of the calendar: {name} {year} has {days} days");
    Err(err(message, "check the day of the month", at))
}

fn parse_time(c: &mut Cursor<'_>) -> Result<Time, DateError> {
    let hour = c.field("hour", 0, 23, TIME_HELP)?;
    c.require(b':', "between hour and minute", TIME_HELP)?;
    let minute = c.field("minute", 0, 59, TIME_HELP)?;
    let mut second = None;
    if c.peek() == Some(b':') {
        c.pos += 1;
        second = Some(c.field("second", 0, 59, TIME_HELP)?);
        if matches!(c.peek(), Some(b'.' | b',')) {
            let message = "fractional seconds are not supported";
            return Err(err(message, "round to whole seconds", c.at()));
        }
    }
    let offset = match c.peek() {
        Some(b'Z') => {
            c.pos += 1;
            Offset::Z
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let help = "write the offset as ±HH:MM, e.g. +03:00";
            let hours = c.field("offset hour", 0, 23, help)?;
            c.require(b':', "in the offset", help)?;
            Offset::Fixed(sign == b'-', hours, c.field("offset minute", 0, 59, help)?)
        }
        None => {
            let message = "a date with a time needs a UTC offset";
            return Err(err(message, OFFSET_HELP, c.at()));
        }
        Some(_) => {
            let message = format!("expected a UTC offset, found {}", c.describe());
            return Err(err(message, OFFSET_HELP, c.at()));
        }
    };
    Ok(Time {
        hour,
        minute,
        second,
        offset,
    })
}

/// First instant of the period as UTC unix seconds, computed with jiff civil arithmetic
/// (civil values cover years 0001–9999 fully, unlike `Timestamp`).
fn first_instant(p: &DatePoint, at: usize) -> Result<i64, DateError> {
    let (h, mi) = p.time.map_or((0, 0), |t| (t.hour, t.minute));
    let s = p.time.and_then(|t| t.second).unwrap_or(0);
    let (month, day) = (p.month.unwrap_or(1), p.day.unwrap_or(1));
    let dt = civil::DateTime::new(p.year, month, day, h, mi, s, 0)
        .map_err(|e| err(format!("invalid date: {e}"), FORMAT_HELP, at))?;
    let offset = p.time.map_or(0, Time::offset_seconds);
    Ok(dt.duration_since(EPOCH).as_secs() - offset)
}

impl DatePoint {
    fn precision(&self) -> Precision {
        match (self.month, self.day, self.time) {
            (_, _, Some(t)) if t.second.is_some() => Precision::Second,
            (_, _, Some(_)) => Precision::Minute,
            (_, Some(_), None) => Precision::Day,
            (Some(_), None, None) => Precision::Month,
            (None, _, None) => Precision::Year,
        }
    }

    fn marked(&self) -> bool {
        self.approximate || self.uncertain
    }

    /// ISO form without markers.
    fn plain_iso(&self) -> String {
        let mut out = String::with_capacity(25);
        self.push_plain_iso(&mut out);
        out
    }

    fn push_plain_iso(&self, out: &mut String) {
        push_padded(out, self.year.into(), 4);
        for part in [self.month, self.day].into_iter().flatten() {
            out.push('-');
            push_padded(out, part.into(), 2);
        }
        if let Some(t) = self.time {
            out.push('T');
            t.push_clock(out);
            t.push_offset(out);
        }
    }

    fn push_iso(&self, out: &mut String) {
        self.push_plain_iso(out);
        out.push_str(match (self.approximate, self.uncertain) {
            (true, true) => "%",
            (true, false) => "~",
            (false, true) => "?",
            (false, false) => "",
        });
    }

    /// Reader-facing text, markers included: "c. 27 December 2019, 00:32 (UTC)?".
    fn display(&self) -> String {
        let mut out = String::with_capacity(40);
        if self.approximate {
            out.push_str("c. ");
        }
        if let Some(d) = self.day {
            push_padded(&mut out, d.into(), 1);
            out.push(' ');
        }
        if let Some(m) = self.month {
            out.push_str(month_name(m));
            out.push(' ');
        }
        push_padded(&mut out, self.year.into(), 1);
        if let Some(t) = self.time {
            out.push_str(", ");
            t.push_clock(&mut out);
            out.push_str(" (UTC");
            if t.offset != Offset::Z {
                t.push_offset(&mut out);
            }
            out.push(')');
        }
        if self.uncertain {
            out.push('?');
        }
        out
    }
}

impl Date {
    /// Parses an already-trimmed date string.
    pub fn parse(input: &str) -> Result<Date, DateError> {
        if input.is_empty() {
            return Err(err("empty date", FORMAT_HELP, 0));
        }
        let slashes: Vec<usize> = input.match_indices('/').map(|(i, _)| i).collect();
        let &[slash] = slashes.as_slice() else {
            if slashes.is_empty() {
                let start = parse_point(input, 0)?;
                return Ok(Date { start, end: None });
            }
            let message = format!("{input} is not a date in year-month-day form");
            let help = "write dates as YYYY-MM-DD (e.g. 2019-02-01) and ranges as A/B";
            return Err(err(message, help, 0));
        };
        let a = input.get(..slash).unwrap_or("");
        let b = input.get(slash + 1..).unwrap_or("");
        if a.is_empty() {
            return Err(err("the range has no start date", FORMAT_HELP, 0));
        }
        if b.is_empty() {
            return Err(err("the range has no end date", FORMAT_HELP, input.len()));
        }
        let start = parse_point(a, 0)?;
        let end = parse_point(b, slash + 1)?;
        if end.key < start.key {
            let message = format!("the range ends before it starts: {b} is earlier than {a}");
            return Err(err(message, "put the earlier date first", slash + 1));
        }
        let end = Some(end);
        Ok(Date { start, end })
    }

    /// Total order key: (first instant of the period in UTC as unix seconds, precision rank
    /// coarse-first). Callers add article/position tie-breaks.
    pub fn sort_key(&self) -> (i64, Precision) {
        (self.start.key, self.start.precision())
    }

    /// Precision of the start.
    pub fn precision(&self) -> Precision {
        self.start.precision()
    }

    /// True when either end is marked `~` or `%`.
    pub fn is_approximate(&self) -> bool {
        self.start.approximate || self.end.as_ref().is_some_and(|e| e.approximate)
    }

    /// True when either end is marked `?` or `%`.
    pub fn is_uncertain(&self) -> bool {
        self.start.uncertain || self.end.as_ref().is_some_and(|e| e.uncertain)
    }

    pub fn is_range(&self) -> bool {
        self.end.is_some()
    }

    /// Year of the start, for grouping.
    pub fn year(&self) -> i16 {
        self.start.year
    }

    /// Month of the start; `None` for year precision.
    pub fn month(&self) -> Option<i8> {
        self.start.month
    }

    /// Day of the start; `None` for year or month precision.
    pub fn day(&self) -> Option<i8> {
        self.start.day
    }

    /// Reader-facing English text, e.g. "27 December 2019", "9–10 March 2021".
    pub fn display(&self) -> String {
        let (a, b) = match &self.end {
            Some(end) if *end != self.start => (&self.start, end),
            _ => return self.start.display(),
        };
        let plain = !a.marked() && !b.marked() && a.time.is_none() && b.time.is_none();
        if plain && a.year == b.year {
            let (y, name) = (a.year, month_name);
            match (a.month, a.day, b.month, b.day) {
                (Some(m1), Some(d1), Some(m2), Some(d2)) if m1 == m2 => {
                    return format!("{d1}–{d2} {} {y}", name(m1));
                }
                (Some(m1), Some(d1), Some(m2), Some(d2)) => {
                    return format!("{d1} {} – {d2} {} {y}", name(m1), name(m2));
                }
                (Some(m1), None, Some(m2), None) => {
                    return format!("{}–{} {y}", name(m1), name(m2));
                }
                _ => {}
            }
        }
        let (left, right) = (a.display(), b.display());
        match left.contains(' ') || right.contains(' ') {
            true => format!("{left} – {right}"),
            false => format!("{left}–{right}"),
        }
    }

    /// Canonical machine form as written, markers included.
    pub fn iso(&self) -> String {
        let mut out = String::with_capacity(25);
        self.start.push_iso(&mut out);
        if let Some(end) = &self.end {
            out.push('/');
            end.push_iso(&mut out);
        }
        out
    }

    /// Value for `<time datetime>`: the start, without markers, in a form HTML accepts.
    pub fn html_datetime(&self) -> String {
        let iso = self.start.plain_iso();
        // HTML allows a `-` sign only for a non-zero offset.
        match iso.strip_suffix("-00:00") {
            Some(rest) => format!("{rest}+00:00"),
            None => iso,
        }
    }

    /// RFC 3339 timestamp of the first instant (UTC when no offset was written).
    pub fn rfc3339(&self) -> String {
        let p = &self.start;
        let (y, mo, d) = (p.year, p.month.unwrap_or(1), p.day.unwrap_or(1));
        let (h, mi) = p.time.map_or((0, 0), |t| (t.hour, t.minute));
        let s = p.time.and_then(|t| t.second).unwrap_or(0);
        let mut out = String::with_capacity(25);
        push_padded(&mut out, y.into(), 4);
        for (separator, part) in [('-', mo), ('-', d), ('T', h), (':', mi), (':', s)] {
            out.push(separator);
            push_padded(&mut out, part.into(), 2);
        }
        match p.time {
            Some(t) => t.push_offset(&mut out),
            None => out.push('Z'),
        }
        out
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.iso())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Precision::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e:?}"))
    }

    #[test]
    fn padded_numbers_match_the_formatting_machinery() {
        let table: &[(i64, usize)] = &[
            (0, 1),
            (0, 2),
            (7, 2),
            (42, 2),
            (123, 2),
            (5, 4),
            (1998, 4),
            (12345, 4),
            (-5, 4),
            (-5, 2),
            (-5, 1),
            (-1234, 4),
            (i64::MIN, 4),
            (i64::MAX, 1),
        ];
        for &(value, width) in table {
            let mut out = String::from(">");
            push_padded(&mut out, value, width);
            assert_eq!(out, format!(">{value:0width$}"), "{value} in {width}");
        }
    }

    #[test]
    fn valid_inputs() {
        // input, display, iso (= input), html_datetime, rfc3339, precision
        const Z: &str = "T00:00:00Z";
        #[rustfmt::skip]
        let table: &[(&str, &str, &str, &str, Precision)] = &[
            ("1998", "1998", "1998", "1998-01-01", Year),
            ("0001", "1", "0001", "0001-01-01", Year),
            ("1998~", "c. 1998", "1998", "1998-01-01", Year),
            ("1998?", "1998?", "1998", "1998-01-01", Year),
            ("1998%", "c. 1998?", "1998", "1998-01-01", Year),
            ("2019-12", "December 2019", "2019-12", "2019-12-01", Month),
            ("2019-12?", "December 2019?", "2019-12", "2019-12-01", Month),
            ("2019-12-27", "27 December 2019", "2019-12-27", "2019-12-27", Day),
            ("2019-12-27~", "c. 27 December 2019", "2019-12-27", "2019-12-27", Day),
            ("2020-02-29", "29 February 2020", "2020-02-29", "2020-02-29", Day),
            ("9999-12-31", "31 December 9999", "9999-12-31", "9999-12-31", Day),
            ("2020-01-03T00:32+03:00", "3 January 2020, 00:32 (UTC+03:00)",
                "2020-01-03T00:32+03:00", "2020-01-03T00:32:00+03:00", Minute),
            ("2020-01-03T00:32:15+03:00", "3 January 2020, 00:32:15 (UTC+03:00)",
                "2020-01-03T00:32:15+03:00", "2020-01-03T00:32:15+03:00", Second),
            ("2020-01-03T00:32Z", "3 January 2020, 00:32 (UTC)",
                "2020-01-03T00:32Z", "2020-01-03T00:32:00Z", Minute),
            ("2020-01-03T00:32:15Z", "3 January 2020, 00:32:15 (UTC)",
                "2020-01-03T00:32:15Z", "2020-01-03T00:32:15Z", Second),
            ("2020-01-03T23:59-05:30", "3 January 2020, 23:59 (UTC-05:30)",
                "2020-01-03T23:59-05:30", "2020-01-03T23:59:00-05:30", Minute),
            ("2020-01-03T23:59-00:00", "3 January 2020, 23:59 (UTC-00:00)",
                "2020-01-03T23:59+00:00", "2020-01-03T23:59:00-00:00", Minute),
            ("2021-03-09/2021-03-10", "9–10 March 2021", "2021-03-09", "2021-03-09", Day),
            ("2021-03-30/2021-04-02", "30 March – 2 April 2021", "2021-03-30", "2021-03-30", Day),
            ("2019-12/2020-01", "December 2019 – January 2020", "2019-12", "2019-12-01", Month),
            ("2021-03/2021-05", "March–May 2021", "2021-03", "2021-03-01", Month),
            ("1998/2001", "1998–2001", "1998", "1998-01-01", Year),
            ("1998~/2001", "c. 1998 – 2001", "1998", "1998-01-01", Year),
            ("1998?/2001?", "1998?–2001?", "1998", "1998-01-01", Year),
            ("2019-12/2020-01-03", "December 2019 – 3 January 2020", "2019-12", "2019-12-01", Month),
            ("2021-03-09/2021-03-09", "9 March 2021", "2021-03-09", "2021-03-09", Day),
            ("2020-01-03T10:00Z/2020-01-03T12:00Z",
                "3 January 2020, 10:00 (UTC) – 3 January 2020, 12:00 (UTC)",
                "2020-01-03T10:00Z", "2020-01-03T10:00:00Z", Minute),
        ];
        for &(input, display, html, rfc, precision) in table {
            let date = d(input);
            let rfc = if rfc.len() == 10 {
                format!("{rfc}{Z}")
            } else {
                rfc.to_string()
            };
            assert_eq!(date.display(), display, "display of {input}");
            assert_eq!(date.iso(), input, "iso of {input}");
            assert_eq!(date.to_string(), input, "Display of {input}");
            assert_eq!(date.html_datetime(), html, "html_datetime of {input}");
            assert_eq!(date.rfc3339(), rfc, "rfc3339 of {input}");
            assert_eq!(date.precision(), precision, "precision of {input}");
            assert_eq!(date.is_range(), input.contains('/'), "is_range of {input}");
        }
    }

    #[test]
    fn invalid_inputs() {
        // input, message substring, byte offset
        #[rustfmt::skip]
        let table: &[(&str, &str, usize)] = &[
            ("", "empty date", 0),
            ("2019-13-45", "month 13 is out of range", 5),
            ("2019-00", "month 00 is out of range", 5),
            ("2019-02-30", "2019-02-30 is not a day of the calendar: February 2019 has 28 days", 8),
            ("2020-02-30", "February 2020 has 29 days", 8),
            ("2019-04-31", "April 2019 has 30 days", 8),
            ("2019-01-32", "day 32 is out of range", 8),
            ("2019-10-4", "the day must have exactly 2 digits", 8),
            ("2019-1", "the month must have exactly 2 digits", 5),
            ("01/02/2019", "not a date in year-month-day form", 0),
            ("20190101", "separated by `-`", 0),
            ("99999-01-01", "the year must have exactly 4 digits", 0),
            ("-0044-03-15", "signed years", 0),
            ("0000", "year 0000 is out of range", 0),
            ("98", "the year must have exactly 4 digits", 0),
            ("abc", "expected the year, found `a`", 0),
            ("2024-03-01T25:00:00Z", "hour 25 is out of range", 11),
            ("2024-03-01T12:60Z", "minute 60 is out of range", 14),
            ("2024-03-01T12:00:61Z", "second 61 is out of range", 17),
            ("2024-03-01T12:00:00.5Z", "fractional seconds", 19),
            ("2024-03-01T1200Z", "the hour must have exactly 2 digits", 11),
            ("2020-01-03T00:32", "needs a UTC offset", 16),
            ("2020-01-03T00:32:15", "needs a UTC offset", 19),
            ("2020-01-03T00:32+0300", "the offset hour must have exactly 2 digits", 17),
            ("2020-01-03T00:32+24:00", "offset hour 24 is out of range", 17),
            ("2020-01-03T00:32+03:60", "offset minute 60 is out of range", 20),
            ("2020-01-03T00:32z", "expected a UTC offset, found `z`", 16),
            ("2020-01-03 00:32Z", "unexpected ` `", 10),
            ("2019-12T00:00Z", "expected `-` after the month, found `T`", 7),
            ("2020/2019", "ends before it starts", 5),
            ("2019-12/2019", "ends before it starts", 8),
            ("2020-01-03T00:30+03:00/2020-01-02T21:00Z", "ends before it starts", 23),
            ("1998/", "the range has no end date", 5),
            ("/1998", "the range has no start date", 0),
            ("1998/2001-13", "month 13 is out of range", 10),
            ("~", "a marker needs a date", 0),
            ("1998~?", "only one of", 4),
            ("1998~/2001x", "expected `-` after the year, found `x`", 10),
            ("1998-é", "expected the month, found `é`", 5),
            ("1998-", "expected the month, found the end", 5),
            ("2019-12-27T", "expected the hour, found the end", 11),
        ];
        for &(input, message, offset) in table {
            let e = match Date::parse(input) {
                Ok(date) => panic!("{input:?} should fail, parsed as {date:?}"),
                Err(e) => e,
            };
            assert!(
                e.message.contains(message),
                "{input:?}: {:?} lacks {message:?}",
                e.message
            );
            assert_eq!(e.offset, offset, "offset for {input:?} ({})", e.message);
            assert!(
                !e.help.is_empty() && input.is_char_boundary(e.offset),
                "{input:?}"
            );
        }
        let help = Date::parse("2020-01-03T00:32").err().map(|e| e.help);
        assert_eq!(help.as_deref(), Some("add Z or an offset such as +03:00"));
    }

    #[test]
    fn ordering_ties_break_by_precision() {
        let dates = [
            "1998",
            "1998-01",
            "1998-01-01",
            "1998-01-01T00:00Z",
            "1998-01-01T00:00:00Z",
        ];
        let keys: Vec<_> = dates.iter().map(|s| d(s).sort_key()).collect();
        assert!(keys.windows(2).all(|w| w.first() < w.last()), "{keys:?}");
        assert!(keys.iter().all(|k| k.0 == 883_612_800), "{keys:?}");
        assert!(d("1998-12-31").sort_key() < d("1999").sort_key());
    }

    #[test]
    fn ordering_uses_utc_instant() {
        // 00:32 at +03:00 is 21:32 UTC on the previous day.
        let offset = d("2020-01-03T00:32+03:00");
        assert_eq!(offset.sort_key(), d("2020-01-02T21:32Z").sort_key());
        assert!(offset.sort_key() < d("2020-01-02T22:00Z").sort_key());
        assert!(offset.sort_key() > d("2020-01-02").sort_key());
        assert!(offset.sort_key() < d("2020-01-03").sort_key());
        assert!(d("2020-01-03T00:00-05:00").sort_key() > d("2020-01-03T04:59Z").sort_key());
    }

    #[test]
    fn ordering_of_ranges_and_markers() {
        assert_eq!(d("2019-12/2020-01").sort_key(), d("2019-12").sort_key());
        assert!(d("1998/2005").sort_key() < d("1999").sort_key());
        assert_eq!(d("1998~").sort_key(), d("1998").sort_key());
        assert_eq!(d("1998%").sort_key(), d("1998?").sort_key());
        assert!(d("0001").sort_key() < d("9999-12-31T23:59:59-23:59").sort_key());
        assert!(d("2019-12/2019-12-01").is_range()); // equal start instants are fine
    }

    #[test]
    fn accessors_and_serde() {
        let date = d("2019-12-27~/2020-01?");
        assert!(date.is_approximate() && date.is_uncertain() && date.is_range());
        assert_eq!((date.year(), date.month()), (2019, Some(12)));
        assert_eq!(d("1998").month(), None);
        assert!(!d("1998").is_approximate() && !d("1998").is_uncertain());
        let json = serde_json::to_string(&date).unwrap_or_default();
        assert_eq!(json, "\"2019-12-27~/2020-01?\"");
    }
}
