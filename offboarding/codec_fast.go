package offboarding

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/m365kit/backuprestore/internal/jsonlex"
)

// entryKeys are entryJSON's keys, as AppendEntry writes them.
// A key missing here would be skipped as unknown: TestEntryKeys checks
// that every entryJSON key is listed, and decodeEntryFast gives up on a
// listed key it does not decode.
var entryKeys = []string{"u", "s", "i", "o", "r", "d", "e", "a", "st", "k", "p", "pn", "n", "req", "op", "sent", "at"}

// decodeEntryFast decodes an entry as AppendEntry writes it in one pass,
// without reflection. It gives up (ok false; the caller decodes with
// encoding/json, which also gives the error) on anything it is not sure to
// decode exactly as encoding/json would: a null, a value of another type
// than AppendEntry writes, a key that differs from one of entryJSON's only
// by case (encoding/json matches keys case-insensitively), a byte order
// mark, any syntax or value error. Unknown keys are skipped (validated),
// as encoding/json skips them; a repeated key's last value wins, as there.
// An error record ("e") is decoded by encoding/json: it is rare.
func decodeEntryFast(b []byte) (entryJSON, bool) {
	var j entryJSON
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		return j, false
	}
	l := jsonlex.New(b)
	if l.Peek() != jsonlex.KindObject {
		return j, false
	}
	str := func(dst *string) bool {
		if l.Peek() != jsonlex.KindString {
			return false
		}
		s, _, err := l.String()
		*dst = s
		return err == nil
	}
	boolean := func(dst *bool) bool {
		if l.Peek() != jsonlex.KindBool {
			return false
		}
		raw, err := l.Skip()
		*dst = err == nil && string(raw) == "true"
		return err == nil
	}
	text := func(dst interface{ UnmarshalText([]byte) error }) bool {
		if l.Peek() != jsonlex.KindString {
			return false
		}
		v, _, err := l.StringBytes()
		return err == nil && dst.UnmarshalText(v) == nil
	}
	tm := func(dst *time.Time) bool {
		if l.Peek() != jsonlex.KindString {
			return false
		}
		raw, err := l.Skip()
		return err == nil && dst.UnmarshalJSON(raw) == nil
	}
	ok := true
	err := l.Members(func(key []byte) error {
		if !ok {
			_, err := l.Skip()
			return err
		}
		switch string(key) {
		case "u":
			ok = str(&j.U)
		case "s":
			ok = text(&j.S)
		case "i":
			ok = boolean(&j.I)
		case "o":
			var o Outcome
			if ok = text(&o); ok {
				j.O = &o
			}
		case "r":
			var r string
			ok = str(&r)
			j.R = Reason(r)
		case "d":
			ok = str(&j.D)
		case "e":
			if ok = l.Peek() == jsonlex.KindObject; ok {
				raw, err := l.Skip()
				if j.E == nil {
					j.E = new(ErrorRecord)
				}
				// Into the same record, as encoding/json decodes a
				// repeated key into the pointer it set.
				ok = err == nil && json.Unmarshal(raw, j.E) == nil
			}
		case "a":
			ok = boolean(&j.A)
		case "st":
			ok = str(&j.St)
		case "k":
			ok = str(&j.K)
		case "p":
			ok = str(&j.P)
		case "pn":
			ok = str(&j.PN)
		case "n":
			ok = str(&j.N)
		case "req":
			ok = str(&j.Req)
		case "op":
			ok = str(&j.Op)
		case "sent":
			var t time.Time
			if ok = tm(&t); ok {
				j.Snt = &t
			}
		case "at":
			ok = tm(&j.At)
		default:
			for _, k := range entryKeys {
				if bytes.EqualFold(key, []byte(k)) {
					ok = false
				}
			}
			_, err := l.Skip()
			return err
		}
		if !ok {
			_, err := l.Skip()
			return err
		}
		return nil
	})
	if err != nil || !ok || l.End() != nil {
		return entryJSON{}, false
	}
	return j, true
}
