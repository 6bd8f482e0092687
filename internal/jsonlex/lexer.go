// Package jsonlex is a small, allocation-lean JSON reader used to decode
// protection units.
//
// Why not encoding/json alone: the models must keep every unknown property
// (AdditionalData), tolerate one malformed field without failing the whole
// unit, and decode quickly. encoding/json (v1) can neither report unknown
// keys nor continue past a type mismatch in a useful way, and capturing
// unknown keys with it needs a second full pass (a map[string]json.RawMessage
// decode), which more than doubles the cost. This reader walks the bytes
// once, validates everything it skips, and hands unknown values back as raw
// bytes, which the caller then decodes with encoding/json.
package jsonlex

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays a Lexer accepts.
const MaxDepth = 512

// SyntaxError reports malformed JSON and the byte offset where it was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

// Kind is the type of the next JSON value.
type Kind byte

// The kinds of JSON values, as Peek reports them.
const (
	KindInvalid Kind = iota
	KindNull
	KindBool
	KindNumber
	KindString
	KindObject
	KindArray
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBool:
		return "boolean"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindObject:
		return "object"
	case KindArray:
		return "array"
	}
	return "invalid"
}

// Lexer reads JSON values from a byte slice. The zero value is not usable;
// use New. A Lexer is not safe for concurrent use.
type Lexer struct {
	data  []byte
	pos   int
	depth int
}

// New returns a Lexer positioned at the start of data. A leading UTF-8 byte
// order mark is skipped.
func New(data []byte) *Lexer {
	l := &Lexer{data: data}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		l.pos = 3
	}
	return l
}

// Offset returns the current byte offset.
func (l *Lexer) Offset() int { return l.pos }

func (l *Lexer) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: l.pos, Msg: fmt.Sprintf(format, args...)}
}

func (l *Lexer) skipWS() {
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// Peek returns the kind of the next value without consuming it.
func (l *Lexer) Peek() Kind {
	l.skipWS()
	if l.pos >= len(l.data) {
		return KindInvalid
	}
	switch c := l.data[l.pos]; {
	case c == '{':
		return KindObject
	case c == '[':
		return KindArray
	case c == '"':
		return KindString
	case c == 'n':
		return KindNull
	case c == 't' || c == 'f':
		return KindBool
	case c == '-' || (c >= '0' && c <= '9'):
		return KindNumber
	}
	return KindInvalid
}

// End reports an error unless only white space remains.
func (l *Lexer) End() error {
	l.skipWS()
	if l.pos != len(l.data) {
		return l.errorf("unexpected data after top-level value")
	}
	return nil
}

// ObjectStart consumes '{'. It reports null as isNull (consuming it).
func (l *Lexer) ObjectStart() (isNull bool, err error) {
	switch l.Peek() {
	case KindObject:
		if l.depth++; l.depth > MaxDepth {
			return false, l.errorf("nesting deeper than %d", MaxDepth)
		}
		l.pos++
		return false, nil
	case KindNull:
		return true, l.literal("null")
	}
	return false, l.unexpected("object")
}

// ArrayStart consumes '['. It reports null as isNull (consuming it).
func (l *Lexer) ArrayStart() (isNull bool, err error) {
	switch l.Peek() {
	case KindArray:
		if l.depth++; l.depth > MaxDepth {
			return false, l.errorf("nesting deeper than %d", MaxDepth)
		}
		l.pos++
		return false, nil
	case KindNull:
		return true, l.literal("null")
	}
	return false, l.unexpected("array")
}

func (l *Lexer) unexpected(want string) error {
	if l.pos >= len(l.data) {
		return l.errorf("unexpected end of input, want %s", want)
	}
	return l.errorf("unexpected %q, want %s", l.data[l.pos], want)
}

// NextKey advances to the next member of the current object and returns its
// key. It returns ok=false after consuming the closing '}'. first must point
// to a variable set to true before the first call. The returned key aliases
// the input when it has no escapes; copy it before keeping it.
func (l *Lexer) NextKey(first *bool) (key []byte, ok bool, err error) {
	l.skipWS()
	if l.pos >= len(l.data) {
		return nil, false, l.errorf("unexpected end of input in object")
	}
	c := l.data[l.pos]
	if c == '}' {
		l.pos++
		l.depth--
		return nil, false, nil
	}
	if !*first {
		if c != ',' {
			return nil, false, l.errorf("unexpected %q after object member, want ',' or '}'", c)
		}
		l.pos++
		l.skipWS()
	}
	*first = false
	if l.pos >= len(l.data) || l.data[l.pos] != '"' {
		return nil, false, l.unexpected("object key")
	}
	key, err = l.stringBytes()
	if err != nil {
		return nil, false, err
	}
	l.skipWS()
	if l.pos >= len(l.data) || l.data[l.pos] != ':' {
		return nil, false, l.unexpected("':'")
	}
	l.pos++
	return key, true, nil
}

// Members reads an object, calling fn with each key while the lexer is
// positioned at the member's value; fn must consume that value. The key
// aliases the input (see NextKey). It stops at the first error.
func (l *Lexer) Members(fn func(key []byte) error) error {
	if _, err := l.ObjectStart(); err != nil {
		return err
	}
	first := true
	for {
		key, ok, err := l.NextKey(&first)
		if err != nil || !ok {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
	}
}

// NextElement advances to the next element of the current array. It returns
// false after consuming the closing ']'. first works as in NextKey.
func (l *Lexer) NextElement(first *bool) (bool, error) {
	l.skipWS()
	if l.pos >= len(l.data) {
		return false, l.errorf("unexpected end of input in array")
	}
	c := l.data[l.pos]
	if c == ']' {
		l.pos++
		l.depth--
		return false, nil
	}
	if !*first {
		if c != ',' {
			return false, l.errorf("unexpected %q after array element, want ',' or ']'", c)
		}
		l.pos++
	}
	*first = false
	return true, nil
}

// String reads a string value. null is reported as isNull.
func (l *Lexer) String() (s string, isNull bool, err error) {
	switch l.Peek() {
	case KindString:
		b, err := l.stringBytes()
		if err != nil {
			return "", false, err
		}
		return string(b), false, nil
	case KindNull:
		return "", true, l.literal("null")
	}
	return "", false, l.unexpected("string")
}

// StringBytes reads a string value like String but returns its bytes, which
// alias the input when the string has no escapes: copy before keeping them.
func (l *Lexer) StringBytes() (b []byte, isNull bool, err error) {
	switch l.Peek() {
	case KindString:
		b, err := l.stringBytes()
		return b, false, err
	case KindNull:
		return nil, true, l.literal("null")
	}
	return nil, false, l.unexpected("string")
}

// Int64 reads an integer number. null is reported as isNull.
func (l *Lexer) Int64() (n int64, isNull bool, err error) {
	switch l.Peek() {
	case KindNumber:
		start := l.pos
		if err := l.number(); err != nil {
			return 0, false, err
		}
		n, err := strconv.ParseInt(string(l.data[start:l.pos]), 10, 64)
		if err != nil {
			return 0, false, &SyntaxError{Offset: start, Msg: "number is not a 64-bit integer"}
		}
		return n, false, nil
	case KindNull:
		return 0, true, l.literal("null")
	}
	return 0, false, l.unexpected("number")
}

// Skip consumes the next value, validating it, and returns its raw bytes.
func (l *Lexer) Skip() ([]byte, error) {
	l.skipWS()
	start := l.pos
	if err := l.skipValue(); err != nil {
		return nil, err
	}
	return l.data[start:l.pos], nil
}

func (l *Lexer) skipValue() error {
	switch l.Peek() {
	case KindObject:
		if _, err := l.ObjectStart(); err != nil {
			return err
		}
		first := true
		for {
			_, ok, err := l.NextKey(&first)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := l.skipValue(); err != nil {
				return err
			}
		}
	case KindArray:
		if _, err := l.ArrayStart(); err != nil {
			return err
		}
		first := true
		for {
			ok, err := l.NextElement(&first)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := l.skipValue(); err != nil {
				return err
			}
		}
	case KindString:
		return l.skipString()
	case KindNumber:
		return l.number()
	case KindNull:
		return l.literal("null")
	case KindBool:
		if l.data[l.pos] == 't' {
			return l.literal("true")
		}
		return l.literal("false")
	}
	return l.unexpected("value")
}

func (l *Lexer) literal(word string) error {
	if len(l.data)-l.pos < len(word) || string(l.data[l.pos:l.pos+len(word)]) != word {
		return l.errorf("invalid literal, want %s", word)
	}
	l.pos += len(word)
	return nil
}

// number validates the JSON number grammar.
func (l *Lexer) number() error {
	d := l.data
	i := l.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		l.pos = i
		return l.errorf("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			l.pos = i
			return l.errorf("invalid number: no digits after '.'")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			l.pos = i
			return l.errorf("invalid number: no digits in exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	l.pos = i
	return nil
}

// skipString validates a string without decoding it.
func (l *Lexer) skipString() error {
	_, err := l.stringBytes()
	return err
}

// stringBytes reads a string starting at '"'. The fast path (no escapes,
// valid UTF-8) returns a slice of the input; otherwise a decoded copy, with
// invalid UTF-8 replaced by U+FFFD as encoding/json does.
func (l *Lexer) stringBytes() ([]byte, error) {
	d := l.data
	start := l.pos + 1
	i := start
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			l.pos = i + 1
			return d[start:i], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return l.slowString(start, i)
		case c < 0x20:
			l.pos = i
			return nil, l.errorf("control character in string")
		}
		i++
	}
	l.pos = i
	return nil, l.errorf("unterminated string")
}

func (l *Lexer) slowString(start, i int) ([]byte, error) {
	d := l.data
	out := make([]byte, i-start, i-start+16)
	copy(out, d[start:i])
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			l.pos = i + 1
			return out, nil
		case c < 0x20:
			l.pos = i
			return nil, l.errorf("control character in string")
		case c == '\\':
			if i+1 >= len(d) {
				l.pos = i
				return nil, l.errorf("unterminated escape")
			}
			switch e := d[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out = append(out, '\b')
				i += 2
			case 'f':
				out = append(out, '\f')
				i += 2
			case 'n':
				out = append(out, '\n')
				i += 2
			case 'r':
				out = append(out, '\r')
				i += 2
			case 't':
				out = append(out, '\t')
				i += 2
			case 'u':
				r, ok := hex4(d, i+2)
				if !ok {
					l.pos = i
					return nil, l.errorf("invalid \\u escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2, ok2 = hex4(d, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				l.pos = i
				return nil, l.errorf("invalid escape %q", e)
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d[i:i+size]...)
			}
			i += size
		}
	}
	l.pos = i
	return nil, l.errorf("unterminated string")
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
