package models

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Why not Kiota's serialization.ParseISODuration (kiota-abstractions-go
// v1.9.3): its pattern is not anchored and wants a decimal point in the
// seconds, so "PT30S" parses as zero seconds, "P1W2D" as one week and
// "junkP1Y" as one year, all without an error; ToDuration counts a year as
// 365 days and refuses months; String panics for weeks combined with years.
// Retention periods ("P2W", "P1Y") need years and months done as calendar
// arithmetic, so this file has its own small parser.

// ErrInvalidDuration is matched (errors.Is) by every error of
// [ParseISODuration] and [ParseRepeatingInterval].
var ErrInvalidDuration = errors.New("models: invalid ISO 8601 duration")

// DurationError reports text that is not an ISO 8601 duration or repeating
// interval, and why. It matches [ErrInvalidDuration] with errors.Is.
type DurationError struct {
	// Text is the input, verbatim.
	Text string
	// Reason says what was wrong.
	Reason string
}

// Error describes the input and the reason; it never panics.
func (e *DurationError) Error() string {
	if e == nil {
		return ErrInvalidDuration.Error()
	}
	return "models: invalid ISO 8601 duration " + strconv.Quote(e.Text) + ": " + e.Reason
}

// Unwrap returns ErrInvalidDuration.
func (e *DurationError) Unwrap() error { return ErrInvalidDuration }

// ISODuration is an ISO 8601 duration such as "P2W", "P1Y" or "PT10M", kept
// component by component: years, months, weeks and days are calendar
// amounts (a year is not a fixed number of hours), hours, minutes and
// seconds are elapsed time. Use AddTo to apply it to a time; there is
// deliberately no conversion to time.Duration, which would have to guess the
// length of a month.
type ISODuration struct {
	// Negative is set for a leading '-' ("-P1D").
	Negative bool
	Years    int
	Months   int
	Weeks    int
	Days     int
	Hours    int
	Minutes  int
	Seconds  int
	// Nanoseconds is the fraction of Seconds ("PT1.5S": Seconds 1,
	// Nanoseconds 500000000), 0 to 999999999.
	Nanoseconds int
}

// maxDurationDigits bounds every number of a duration, so that no value can
// overflow an int on any platform.
const maxDurationDigits = 9

// ParseISODuration parses ISO 8601 duration text:
// [-]P[nY][nM][nW][nD][T[nH][nM][n[.f]S]], components in that order, each at
// most once, at least one present, and 'T' followed by at least one time
// component. Only the seconds may have a fraction (up to 9 digits, '.' or
// ','), as in XML Schema and OData's Edm.Duration; weeks may be combined with
// other components (ISO 8601-1:2019). Every number has at most 9 digits and
// the time part must fit in a time.Duration. Anything else fails with a
// *DurationError (matching ErrInvalidDuration) that says what was wrong.
func ParseISODuration(s string) (ISODuration, error) {
	var d ISODuration
	fail := func(reason string) (ISODuration, error) {
		return ISODuration{}, &DurationError{Text: s, Reason: reason}
	}
	i := 0
	if i < len(s) && s[i] == '-' {
		d.Negative = true
		i++
	}
	if i >= len(s) || s[i] != 'P' {
		return fail(`want "P" at the start`)
	}
	i++
	inTime, anyDate, anyTime := false, false, false
	last := -1 // position in the designator list of the last component read
	for i < len(s) {
		if s[i] == 'T' {
			if inTime {
				return fail(`"T" appears twice`)
			}
			inTime, last = true, -1
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return fail("want a number at offset " + strconv.Itoa(i))
		}
		digits := strings.TrimLeft(s[start:i], "0")
		frac := ""
		hasFrac := false
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			hasFrac = true
			i++
			fs := i
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if i == fs {
				return fail("want digits after the decimal sign")
			}
			frac = s[fs:i]
		}
		if i >= len(s) {
			return fail("number without a designator at the end")
		}
		des := s[i]
		i++
		units := "YMWD"
		if inTime {
			units = "HMS"
		}
		pos := strings.IndexByte(units, des)
		if pos < 0 {
			where := "date"
			if inTime {
				where = "time"
			}
			return fail("unexpected " + strconv.QuoteRune(rune(des)) + " in the " + where + " part")
		}
		if pos <= last {
			return fail("components out of order or repeated")
		}
		last = pos
		if len(digits) > maxDurationDigits {
			return fail("a number has more than 9 digits")
		}
		n := 0
		if digits != "" {
			n, _ = strconv.Atoi(digits) // at most 9 digits: cannot fail
		}
		if hasFrac {
			if !inTime || des != 'S' {
				return fail("only the seconds may have a fraction")
			}
			if len(frac) > 9 {
				return fail("more than 9 fractional digits")
			}
			ns, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
			d.Nanoseconds = ns
		}
		switch {
		case !inTime && des == 'Y':
			d.Years = n
		case !inTime && des == 'M':
			d.Months = n
		case des == 'W':
			d.Weeks = n
		case des == 'D':
			d.Days = n
		case des == 'H':
			d.Hours = n
		case inTime && des == 'M':
			d.Minutes = n
		case des == 'S':
			d.Seconds = n
		}
		if inTime {
			anyTime = true
		} else {
			anyDate = true
		}
	}
	if !anyDate && !anyTime {
		return fail("no component")
	}
	if inTime && !anyTime {
		return fail(`"T" without a time component`)
	}
	if _, ok := d.clock(); !ok {
		return fail("the time part does not fit in a time.Duration")
	}
	return d, nil
}

// clock returns the time part (hours, minutes, seconds) as elapsed time,
// unsigned; ok is false when it overflows or a component is negative.
func (d ISODuration) clock() (time.Duration, bool) {
	var total int64
	for _, p := range [...]struct{ n, unit int64 }{
		{int64(d.Hours), int64(time.Hour)},
		{int64(d.Minutes), int64(time.Minute)},
		{int64(d.Seconds), int64(time.Second)},
		{int64(d.Nanoseconds), 1},
	} {
		if p.n < 0 || p.n > (math.MaxInt64-total)/p.unit {
			return 0, false
		}
		total += p.n * p.unit
	}
	return time.Duration(total), true
}

// IsZero reports whether every component is zero.
func (d ISODuration) IsZero() bool {
	return d.Years == 0 && d.Months == 0 && d.Weeks == 0 && d.Days == 0 &&
		d.Hours == 0 && d.Minutes == 0 && d.Seconds == 0 && d.Nanoseconds == 0
}

// AddTo returns t moved by d (back, when d is Negative), the way .NET's
// DateTime arithmetic (the service's) does it: years and months first, with
// the day of the month clamped to the target month's length (Jan 31 + P1M is
// the last day of February); then weeks and days as calendar days in t's
// location; then hours, minutes and seconds as elapsed time. For UTC times,
// which is what this package decodes, a day is exactly 24 hours. It never
// fails or panics; components so large that the year overflows an int give
// an unspecified time.
func (d ISODuration) AddTo(t time.Time) time.Time {
	sign := 1
	if d.Negative {
		sign = -1
	}
	if months := sign * (d.Years*12 + d.Months); months != 0 {
		t = addMonthsClamped(t, months)
	}
	if days := sign * (d.Weeks*7 + d.Days); days != 0 {
		t = t.AddDate(0, 0, days)
	}
	t = addElapsed(t, sign*d.Hours, time.Hour)
	t = addElapsed(t, sign*d.Minutes, time.Minute)
	t = addElapsed(t, sign*d.Seconds, time.Second)
	return t.Add(time.Duration(sign) * time.Duration(d.Nanoseconds))
}

// addMonthsClamped adds months, clamping the day of the month.
func addMonthsClamped(t time.Time, months int) time.Time {
	y, m, day := t.Date()
	hh, mm, ss := t.Clock()
	total := int(m) - 1 + months
	year := y + total/12
	month := total % 12
	if month < 0 {
		month += 12
		year--
	}
	if n := daysIn(month+1, year); day > n {
		day = n
	}
	return time.Date(year, time.Month(month+1), day, hh, mm, ss, t.Nanosecond(), t.Location())
}

// addElapsed adds n units of elapsed time without overflowing
// time.Duration: whole days go through UTC calendar days (exactly 24 hours
// each), the rest through time.Duration.
func addElapsed(t time.Time, n int, unit time.Duration) time.Time {
	if n == 0 {
		return t
	}
	perDay := int(24 * time.Hour / unit)
	loc := t.Location()
	u := t.UTC().AddDate(0, 0, n/perDay).Add(time.Duration(n%perDay) * unit)
	return u.In(loc)
}

// String returns the duration in ISO 8601 form, components in order and
// zero components left out ("P1Y2M", "PT1.5S"); the zero duration is
// "PT0S". Parsing the result gives d back for any d ParseISODuration returned.
func (d ISODuration) String() string {
	b := make([]byte, 0, 24)
	if d.Negative {
		b = append(b, '-')
	}
	b = append(b, 'P')
	if d.IsZero() {
		return string(append(b, "T0S"...))
	}
	for _, c := range [...]struct {
		n   int
		des byte
	}{{d.Years, 'Y'}, {d.Months, 'M'}, {d.Weeks, 'W'}, {d.Days, 'D'}} {
		if c.n != 0 {
			b = strconv.AppendInt(b, int64(c.n), 10)
			b = append(b, c.des)
		}
	}
	if d.Hours == 0 && d.Minutes == 0 && d.Seconds == 0 && d.Nanoseconds == 0 {
		return string(b)
	}
	b = append(b, 'T')
	if d.Hours != 0 {
		b = strconv.AppendInt(b, int64(d.Hours), 10)
		b = append(b, 'H')
	}
	if d.Minutes != 0 {
		b = strconv.AppendInt(b, int64(d.Minutes), 10)
		b = append(b, 'M')
	}
	if d.Seconds != 0 || d.Nanoseconds != 0 {
		b = strconv.AppendInt(b, int64(d.Seconds), 10)
		if d.Nanoseconds != 0 {
			f := strconv.Itoa(d.Nanoseconds + 1e9)[1:] // 9 digits, leading zeros kept
			b = append(b, '.')
			b = append(b, strings.TrimRight(f, "0")...)
		}
		b = append(b, 'S')
	}
	return string(b)
}

// RepeatingInterval is an ISO 8601 repeating interval of the form
// "R[n]/<duration>", e.g. "R/PT10M": every ten minutes, without end.
type RepeatingInterval struct {
	// Unbounded is set when the number of repetitions is omitted ("R/").
	Unbounded bool
	// Repetitions is the number of repetitions ("R5/…": 5); 0 when
	// Unbounded.
	Repetitions int
	// Every is the duration between repetitions; never negative.
	Every ISODuration
}

// ParseRepeatingInterval parses "R[n]/<duration>" text (n at most 9 digits;
// the duration as ParseISODuration reads it, not negative). Forms anchored
// at a start or end date ("R/2024-01-01T00:00:00Z/P1D") and anything else
// fail with a *DurationError matching ErrInvalidDuration.
func ParseRepeatingInterval(s string) (RepeatingInterval, error) {
	fail := func(reason string) (RepeatingInterval, error) {
		return RepeatingInterval{}, &DurationError{Text: s, Reason: reason}
	}
	rest, ok := strings.CutPrefix(s, "R")
	if !ok {
		return fail(`want "R" at the start of a repeating interval`)
	}
	count, dur, ok := strings.Cut(rest, "/")
	if !ok {
		return fail(`want "/" after the repetition count`)
	}
	var r RepeatingInterval
	if count == "" {
		r.Unbounded = true
	} else {
		for i := 0; i < len(count); i++ {
			if count[i] < '0' || count[i] > '9' {
				return fail("the repetition count is not a number")
			}
		}
		digits := strings.TrimLeft(count, "0")
		if len(digits) > maxDurationDigits {
			return fail("the repetition count has more than 9 digits")
		}
		if digits != "" {
			r.Repetitions, _ = strconv.Atoi(digits) // at most 9 digits: cannot fail
		}
	}
	if strings.Contains(dur, "/") {
		return fail("only the R[n]/<duration> form is supported, not one anchored at a date")
	}
	every, err := ParseISODuration(dur)
	if err != nil {
		var de *DurationError
		if errors.As(err, &de) {
			return fail("its duration: " + de.Reason)
		}
		return RepeatingInterval{}, err
	}
	if every.Negative {
		return fail("the duration is negative")
	}
	r.Every = every
	return r, nil
}

// String returns the interval in ISO 8601 form ("R/PT10M", "R5/P1D").
func (r RepeatingInterval) String() string {
	if r.Unbounded {
		return "R/" + r.Every.String()
	}
	return "R" + strconv.Itoa(r.Repetitions) + "/" + r.Every.String()
}
