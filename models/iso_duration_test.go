package models

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the DST case below must not depend on the host's zoneinfo

	"github.com/stretchr/testify/require"
)

func TestParseISODuration(t *testing.T) {
	valid := []struct {
		in   string
		want ISODuration
		str  string // String(); "" means the input itself
	}{
		{"P2W", ISODuration{Weeks: 2}, ""},
		{"P1Y", ISODuration{Years: 1}, ""},
		{"PT10M", ISODuration{Minutes: 10}, ""},
		{"PT30S", ISODuration{Seconds: 30}, ""},
		{"P1Y2M3W4DT5H6M7S", ISODuration{Years: 1, Months: 2, Weeks: 3, Days: 4, Hours: 5, Minutes: 6, Seconds: 7}, ""},
		{"P1M", ISODuration{Months: 1}, ""},
		{"PT1M", ISODuration{Minutes: 1}, ""},
		{"P1W2D", ISODuration{Weeks: 1, Days: 2}, ""},
		{"PT1.5S", ISODuration{Seconds: 1, Nanoseconds: 5e8}, ""},
		{"PT0,000000001S", ISODuration{Nanoseconds: 1}, "PT0.000000001S"},
		{"-P1D", ISODuration{Negative: true, Days: 1}, ""},
		{"P0D", ISODuration{}, "PT0S"},
		{"P007D", ISODuration{Days: 7}, "P7D"},
		{"PT36H", ISODuration{Hours: 36}, ""},
		{"P999999999Y", ISODuration{Years: 999999999}, ""},
		{"PT2562047H", ISODuration{Hours: 2562047}, ""},
	}
	for _, tc := range valid {
		got, err := ParseISODuration(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		str := tc.str
		if str == "" {
			str = tc.in
		}
		require.Equal(t, str, got.String(), tc.in)
		again, err := ParseISODuration(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again, "String round-trips")
	}

	invalid := map[string]string{
		"":                    `want "P"`,
		"1Y":                  `want "P"`,
		"P":                   "no component",
		"PT":                  "no component",
		"P1DT":                `"T" without a time component`,
		"P1":                  "number without a designator",
		"PY":                  "want a number",
		"P1H":                 "unexpected 'H' in the date part",
		"PT1D":                "unexpected 'D' in the time part",
		"P1D1Y":               "out of order",
		"P1Y1Y":               "out of order",
		"PT1S1M":              "out of order",
		"P1.5Y":               "only the seconds",
		"PT1.S":               "digits after the decimal sign",
		"PT0.0000000001S":     "more than 9 fractional digits",
		"P1234567890Y":        "more than 9 digits",
		"PT999999999H":        "does not fit",
		"P1DTT1H":             `"T" appears twice`,
		"p1d":                 `want "P"`,
		"P1d":                 "unexpected 'd'",
		" P1D":                `want "P"`,
		"P1D ":                "want a number",
		"+P1D":                `want "P"`,
		"--P1D":               `want "P"`,
		"P-1D":                "want a number",
		"junkP1Y":             `want "P"`,
		"P1Y\x00":             "want a number",
		"PT9223372036854775S": "more than 9 digits",
	}
	for in, reason := range invalid {
		_, err := ParseISODuration(in)
		require.ErrorIs(t, err, ErrInvalidDuration, "%q", in)
		var de *DurationError
		require.ErrorAs(t, err, &de)
		require.Equal(t, in, de.Text)
		require.Contains(t, de.Reason, reason, "%q", in)
		require.Contains(t, err.Error(), reason)
	}
	require.Equal(t, ErrInvalidDuration.Error(), (*DurationError)(nil).Error())
}

func TestISODurationAddTo(t *testing.T) {
	utc := func(s string) time.Time { return ts(s) }
	cases := []struct {
		d, from, want string
	}{
		{"P2W", "2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z"},
		{"P1Y", "2024-05-21T04:47:52.5769075Z", "2025-05-21T04:47:52.5769075Z"},
		{"P1Y", "2024-02-29T12:00:00Z", "2025-02-28T12:00:00Z"}, // clamped, as .NET AddYears
		{"P1M", "2024-01-31T00:00:00Z", "2024-02-29T00:00:00Z"}, // clamped, as .NET AddMonths
		{"P1M", "2023-01-31T00:00:00Z", "2023-02-28T00:00:00Z"},
		{"P13M", "2024-12-15T00:00:00Z", "2026-01-15T00:00:00Z"},
		{"-P1M", "2024-03-31T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"-P1Y2M", "2024-01-15T00:00:00Z", "2022-11-15T00:00:00Z"},
		{"PT10M", "2024-12-31T23:55:00Z", "2025-01-01T00:05:00Z"},
		{"PT36H", "2024-01-01T00:00:00Z", "2024-01-02T12:00:00Z"},
		{"PT1.5S", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01.5Z"},
		{"-P1DT1H", "2024-03-01T00:30:00Z", "2024-02-28T23:30:00Z"},
		{"P1Y1M1W1DT1H1M1S", "2024-01-31T00:00:00Z", "2025-03-08T01:01:01Z"}, // Feb 28, then 8 days
	}
	for _, tc := range cases {
		d, err := ParseISODuration(tc.d)
		require.NoError(t, err)
		require.Equal(t, utc(tc.want), d.AddTo(utc(tc.from)), "%s + %s", tc.from, tc.d)
	}

	// The time part is elapsed time, also across a DST change.
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	start := time.Date(2024, 3, 9, 12, 0, 0, 0, ny) // the day before spring forward
	d, _ := ParseISODuration("PT24H")
	require.Equal(t, 24*time.Hour, d.AddTo(start).Sub(start))
	require.Equal(t, 13, d.AddTo(start).Hour())
	d, _ = ParseISODuration("P1D")
	require.Equal(t, 12, d.AddTo(start).Hour(), "a day is a calendar day in t's location")
	require.Equal(t, 23*time.Hour, d.AddTo(start).Sub(start))

	// Hours beyond time.Duration's range in a hand-built value: exact, no overflow.
	far := ISODuration{Hours: 24 * 365 * 400}.AddTo(utc("2000-01-01T00:00:00Z"))
	require.Equal(t, utc("2000-01-01T00:00:00Z").AddDate(0, 0, 365*400), far)
}

func TestParseRepeatingInterval(t *testing.T) {
	valid := map[string]RepeatingInterval{
		"R/PT10M":  {Unbounded: true, Every: ISODuration{Minutes: 10}},
		"R/P1W":    {Unbounded: true, Every: ISODuration{Weeks: 1}},
		"R5/P1D":   {Repetitions: 5, Every: ISODuration{Days: 1}},
		"R0/PT1H":  {Every: ISODuration{Hours: 1}},
		"R007/P1D": {Repetitions: 7, Every: ISODuration{Days: 1}},
	}
	for in, want := range valid {
		got, err := ParseRepeatingInterval(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
		again, err := ParseRepeatingInterval(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again)
	}
	require.Equal(t, "R/PT10M", valid["R/PT10M"].String())
	require.Equal(t, "R5/P1D", valid["R5/P1D"].String())

	invalid := map[string]string{
		"":                            `want "R"`,
		"PT10M":                       `want "R"`,
		"R":                           `want "/"`,
		"RPT10M":                      `want "/"`,
		"Rx/PT10M":                    "not a number",
		"R-1/PT10M":                   "not a number",
		"R1234567890/P1D":             "more than 9 digits",
		"R/":                          `its duration: want "P"`,
		"R/P1X":                       "its duration: unexpected 'X'",
		"R/-PT10M":                    "negative",
		"R/2024-01-01T00:00:00Z/P1D":  "anchored at a date",
		"R/P1D/2024-01-01T00:00:00Z":  "anchored at a date",
		"R2/2024-01-01T00:00:00Z/P1D": "anchored at a date",
	}
	for in, reason := range invalid {
		_, err := ParseRepeatingInterval(in)
		require.ErrorIs(t, err, ErrInvalidDuration, "%q", in)
		var de *DurationError
		require.True(t, errors.As(err, &de))
		require.Contains(t, de.Reason, reason, "%q", in)
	}
}

func TestRetentionSettingParse(t *testing.T) {
	r := RetentionSetting{Interval: "R/P1W", Period: "P1Y"}
	p, err := r.ParsePeriod()
	require.NoError(t, err)
	require.Equal(t, ISODuration{Years: 1}, p)
	i, err := r.ParseInterval()
	require.NoError(t, err)
	require.Equal(t, ISODuration{Weeks: 1}, i.Every)

	_, err = RetentionSetting{}.ParsePeriod()
	require.ErrorIs(t, err, ErrInvalidDuration)
	_, err = RetentionSetting{Interval: "every week"}.ParseInterval()
	require.ErrorIs(t, err, ErrInvalidDuration)
}
