//! iCalendar feeds per group and per member (RFC 5545).
