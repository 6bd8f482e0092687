package cli

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// IntRange defines an integer flag that accepts only lo to hi: anything
// else (out of range, not a whole number) fails the parse with a message
// naming the flag and the range, a usage error. The range is appended to
// usage. It panics when value is out of its own range (a bug in the
// program, like flag's redefinition panic).
func IntRange(fs *flag.FlagSet, name string, value, lo, hi int, usage string) *int {
	if value < lo || value > hi {
		panic(fmt.Sprintf("cli: -%s default %d outside %d to %d", name, value, lo, hi))
	}
	v := &intRange{p: new(int), lo: lo, hi: hi}
	*v.p = value
	fs.Var(v, name, fmt.Sprintf("%s, %d to %d", usage, lo, hi))
	return v.p
}

// intRange is IntRange's flag.Value.
type intRange struct {
	p      *int
	lo, hi int
}

// String implements flag.Value; the zero intRange (flag's probe for the
// zero default) reads "0".
func (v *intRange) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

// Set implements flag.Value; it fails for anything but a whole number
// from lo to hi.
func (v *intRange) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.lo || n > v.hi {
		return fmt.Errorf("want a whole number from %d to %d", v.lo, v.hi)
	}
	*v.p = n
	return nil
}

// FloatRange defines a number flag that accepts only lo to hi (NaN and the
// infinities never): anything else fails the parse with a message naming
// the flag and the range, a usage error. The range is appended to usage.
// It panics when value is out of its own range.
func FloatRange(fs *flag.FlagSet, name string, value, lo, hi float64, usage string) *float64 {
	if !(value >= lo && value <= hi) {
		panic(fmt.Sprintf("cli: -%s default %g outside %g to %g", name, value, lo, hi))
	}
	v := &floatRange{p: new(float64), lo: lo, hi: hi}
	*v.p = value
	fs.Var(v, name, fmt.Sprintf("%s, %g to %g", usage, lo, hi))
	return v.p
}

// floatRange is FloatRange's flag.Value.
type floatRange struct {
	p      *float64
	lo, hi float64
}

// String implements flag.Value.
func (v *floatRange) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

// Set implements flag.Value; it fails for anything but a finite number
// from lo to hi.
func (v *floatRange) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < v.lo || f > v.hi {
		return fmt.Errorf("want a number from %g to %g", v.lo, v.hi)
	}
	*v.p = f
	return nil
}

// Choice defines a string flag that accepts only one of choices (exactly,
// case included) or, when value is "", the empty string; anything else
// fails the parse with a message naming the flag and the choices. The
// choices are appended to usage.
func Choice(fs *flag.FlagSet, name, value string, choices []string, usage string) *string {
	v := &choice{p: new(string), choices: choices}
	*v.p = value
	fs.Var(v, name, fmt.Sprintf("%s: %s", usage, strings.Join(choices, ", ")))
	return v.p
}

// choice is Choice's flag.Value.
type choice struct {
	p       *string
	choices []string
}

// String implements flag.Value.
func (v *choice) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

// Set implements flag.Value; it fails for a string not among the choices.
func (v *choice) Set(s string) error {
	for _, c := range v.choices {
		if s == c {
			*v.p = s
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(v.choices, ", "))
}

// UnitID defines a flag holding one protection-unit ID. A malformed ID
// (CheckID: empty, blank, a dot segment, a control character, too long)
// fails the parse with a usage error naming the flag and the reason.
func UnitID(fs *flag.FlagSet, name, usage string) *string {
	v := &unitID{p: new(string)}
	fs.Var(v, name, usage)
	return v.p
}

// unitID is UnitID's flag.Value.
type unitID struct{ p *string }

// String implements flag.Value.
func (v *unitID) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

// Set implements flag.Value; it fails with CheckID's error.
func (v *unitID) Set(s string) error {
	if err := CheckID(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

// isSet reports whether the flag name was given on fs's command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
