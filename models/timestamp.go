package models

import (
	"strings"
	"time"
)

// parseTimestamp parses a Graph DateTimeOffset. It accepts RFC 3339 with any
// number of fractional digits, a lowercase 't'/'z', and a value without zone
// (read as UTC, never as local time). The "0001-01-01T00:00:00..." sentinel
// and the zero time decode to the zero time.Time. ok is false when s is not a
// timestamp at all.
func parseTimestamp(s string) (t time.Time, ok bool) {
	if s == "" {
		return time.Time{}, true
	}
	if strings.HasPrefix(s, "0001-01-01T00:00:00") {
		rest := strings.TrimLeft(s[len("0001-01-01T00:00:00"):], ".0")
		if rest == "" || rest == "Z" || rest == "+00:00" {
			return time.Time{}, true
		}
	}
	if len(s) > 10 && (s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if n := len(s); n > 0 && s[n-1] == 'z' {
		s = s[:n-1] + "Z"
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return zeroIfYearOne(t.UTC()), true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return zeroIfYearOne(t), true
	}
	return time.Time{}, false
}

func zeroIfYearOne(t time.Time) time.Time {
	if t.Equal(time.Time{}) {
		return time.Time{}
	}
	return t
}

// formatTimestamp writes t as Graph does: RFC 3339 in UTC.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
