package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/internal/jsonlex"
)

// DecodeError reports a body that is not valid JSON or not a JSON object
// where one is required. Type mismatches inside a valid object are not
// errors: the raw value is kept in AdditionalData.
type DecodeError struct {
	// What names the value being decoded, e.g. "protection unit".
	What string
	// Err is the syntax error, with its byte offset.
	Err error
}

// Error describes what failed to decode and why; it never panics on a
// DecodeError built by this package.
func (e *DecodeError) Error() string { return "decoding " + e.What + ": " + e.Err.Error() }

// Unwrap returns the underlying syntax error.
func (e *DecodeError) Unwrap() error { return e.Err }

// UnmarshalJSON decodes a protection unit from its Graph JSON form in a
// single pass. It fails with *DecodeError only when data is not valid JSON or
// not an object; see the package documentation for what it tolerates. JSON
// null leaves u unchanged.
func (u *ProtectionUnit) UnmarshalJSON(data []byte) error {
	// Every UnmarshalJSON of this package spells out these few lines rather
	// than sharing a generic helper: handing the decoder over as a func value
	// makes the fresh value and the lexer escape, measured at 2 more
	// allocations per call (23 against 21) on BenchmarkDecodeUnit.
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v ProtectionUnit
	if err := decodeUnit(l, &v); err != nil {
		return &DecodeError{What: "protection unit", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "protection unit", Err: err}
	}
	*u = v
	return nil
}

// UnmarshalJSON decodes a list page ({"value":[...],"@odata.nextLink":...}).
// It fails with *DecodeError when data is not valid JSON, not an object, or
// "value" holds something other than an array of objects.
func (p *ProtectionUnitPage) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	var v ProtectionUnitPage
	if err := decodePage(l, &v); err != nil {
		return &DecodeError{What: "protection unit page", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "protection unit page", Err: err}
	}
	*p = v
	return nil
}

// ParseErrorResponse decodes Graph's error envelope {"error":{...}} and
// returns the error member, or nil when the body has none. Keys of the error
// object are matched case-insensitively ("innerError" and "innererror" are
// both seen in the wild). It fails with *DecodeError only for invalid JSON or
// a body that is not an object.
func ParseErrorResponse(data []byte) (*PublicError, error) {
	l := jsonlex.New(data)
	isNull, err := l.ObjectStart()
	if err != nil || isNull {
		if err == nil {
			return nil, nil
		}
		return nil, &DecodeError{What: "error response", Err: err}
	}
	var out *PublicError
	first := true
	for {
		key, ok, err := l.NextKey(&first)
		if err != nil {
			return nil, &DecodeError{What: "error response", Err: err}
		}
		if !ok {
			break
		}
		if strings.EqualFold(string(key), "error") && l.Peek() == jsonlex.KindObject {
			pe := &PublicError{}
			if err := decodePublicError(l, pe); err != nil {
				return nil, &DecodeError{What: "error response", Err: err}
			}
			out = pe
			continue
		}
		if _, err := l.Skip(); err != nil {
			return nil, &DecodeError{What: "error response", Err: err}
		}
	}
	if err := l.End(); err != nil {
		return nil, &DecodeError{What: "error response", Err: err}
	}
	return out, nil
}

func notObject(k jsonlex.Kind) error {
	return fmt.Errorf("want a JSON object, got %s", k)
}

func decodePage(l *jsonlex.Lexer, p *ProtectionUnitPage) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "value":
			return decodeUnits(l, p)
		case "@odata.nextLink":
			return stringField(l, &p.NextLink, &p.AdditionalData, key)
		case "@odata.context":
			return stringField(l, &p.ODataContext, &p.AdditionalData, key)
		case "@odata.count":
			return int64Field(l, &p.Count, &p.AdditionalData, key)
		}
		return keep(l, &p.AdditionalData, key)
	})
}

func decodeUnits(l *jsonlex.Lexer, p *ProtectionUnitPage) error {
	isNull, err := l.ArrayStart()
	if err != nil || isNull {
		return err
	}
	// Units are decoded into chunks of 64 and handed out as pointers into
	// them: one allocation per 64 units instead of one per unit, and no
	// copying as the page grows (a doubling slice would copy every unit).
	const chunkSize = 64
	var chunk []ProtectionUnit
	var units []*ProtectionUnit
	first := true
	for {
		ok, err := l.NextElement(&first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if k := l.Peek(); k != jsonlex.KindObject {
			return fmt.Errorf("value[%d]: %w", len(units), notObject(k))
		}
		if len(chunk) == cap(chunk) {
			chunk = make([]ProtectionUnit, 0, chunkSize)
		}
		chunk = append(chunk, ProtectionUnit{})
		u := &chunk[len(chunk)-1]
		if err := decodeUnit(l, u); err != nil {
			return fmt.Errorf("value[%d]: %w", len(units), err)
		}
		units = append(units, u)
	}
	if units == nil {
		units = []*ProtectionUnit{}
	}
	p.Value = units
	return nil
}

func decodeUnit(l *jsonlex.Lexer, u *ProtectionUnit) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &u.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return stringField(l, &u.ID, ad, key)
		case "@odata.type":
			return sharedStringField(l, &u.ODataType, ad, key)
		case "policyId":
			return sharedStringField(l, &u.PolicyID, ad, key)
		case "status":
			return statusField(l, &u.Status, ad, key)
		case "protectionSources":
			var s string
			err := stringField(l, &s, ad, key)
			u.ProtectionSources = ParseProtectionSources(s)
			return err
		case "createdBy":
			return identitySetField(l, &u.CreatedBy, ad, key)
		case "lastModifiedBy":
			return identitySetField(l, &u.LastModifiedBy, ad, key)
		case "createdDateTime":
			return timeField(l, &u.CreatedDateTime, ad, key)
		case "lastModifiedDateTime":
			return timeField(l, &u.LastModifiedDateTime, ad, key)
		case "offboardRequestedDateTime":
			return timeField(l, &u.OffboardRequestedDateTime, ad, key)
		case "error":
			switch l.Peek() {
			case jsonlex.KindObject:
				u.Error = &PublicError{}
				return decodePublicError(l, u.Error)
			case jsonlex.KindNull:
				_, err := l.Skip()
				return err
			}
			return keep(l, ad, key)
		case "siteId":
			return stringField(l, &u.SiteID, ad, key)
		case "siteName":
			return stringField(l, &u.SiteName, ad, key)
		case "siteWebUrl":
			return stringField(l, &u.SiteWebURL, ad, key)
		case "directoryObjectId":
			return stringField(l, &u.DirectoryObjectID, ad, key)
		case "displayName":
			return stringField(l, &u.DisplayName, ad, key)
		case "email":
			return stringField(l, &u.Email, ad, key)
		}
		return keep(l, ad, key)
	})
}

// keep stores the next value, decoded generically, in (*ad)[key].
func keep(l *jsonlex.Lexer, ad *map[string]any, key []byte) error {
	raw, err := l.Skip()
	if err != nil {
		return err
	}
	return keepBytes(raw, ad, key)
}

// keepBytes stores raw, a JSON value the lexer has validated, decoded
// generically (as encoding/json does: float64, string, bool, nil, []any,
// map[string]any), in (*ad)[key]. A number too large for a float64 (1e999)
// is valid JSON but not a float64: then the value is decoded with json.Number
// for its numbers, so nothing valid fails the enclosing model.
func keepBytes(raw []byte, ad *map[string]any, key []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		v = nil
		if err := d.Decode(&v); err != nil {
			return err
		}
	}
	setAdditional(ad, string(key), v)
	return nil
}

// keepUnlessNull is keep, except that null is skipped.
func keepUnlessNull(l *jsonlex.Lexer, ad *map[string]any, key []byte) error {
	if l.Peek() == jsonlex.KindNull {
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// stringField reads a string into dst; null leaves it empty; any other type
// is kept in AdditionalData.
func stringField(l *jsonlex.Lexer, dst *string, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindString:
		s, _, err := l.String()
		*dst = s
		return err
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// sharedStringField is stringField for values that repeat from unit to
// unit (a policy's ID, the @odata.type, who created or last changed a
// unit: the same few applications and admins): a value seen recently is
// reused (see shared), so a run holding many thousands of units holds each
// admin's name about once, not once per unit.
func sharedStringField(l *jsonlex.Lexer, dst *string, ad *map[string]any, key []byte) error {
	if l.Peek() != jsonlex.KindString {
		return stringField(l, dst, ad, key)
	}
	b, _, err := l.StringBytes()
	if err != nil {
		return err
	}
	*dst = shared(b)
	return nil
}

func statusField(l *jsonlex.Lexer, dst *ProtectionUnitStatus, ad *map[string]any, key []byte) error {
	if l.Peek() != jsonlex.KindString {
		var s string
		err := stringField(l, &s, ad, key)
		*dst = ProtectionUnitStatus(s)
		return err
	}
	b, _, err := l.StringBytes()
	if err != nil {
		return err
	}
	*dst = internStatus(b)
	return nil
}

// internStatus returns the constant for a known status without allocating.
func internStatus(b []byte) ProtectionUnitStatus {
	switch string(b) {
	case "protectRequested":
		return StatusProtectRequested
	case "protected":
		return StatusProtected
	case "unprotectRequested":
		return StatusUnprotectRequested
	case "unprotected":
		return StatusUnprotected
	case "removeRequested":
		return StatusRemoveRequested
	case "unknownFutureValue":
		return StatusUnknownFutureValue
	case "offboardRequested":
		return StatusOffboardRequested
	case "offboarded":
		return StatusOffboarded
	case "cancelOffboardRequested":
		return StatusCancelOffboardRequested
	}
	return ProtectionUnitStatus(b)
}

// timeField reads a timestamp. A value that is not a valid timestamp leaves
// dst zero and is kept, raw, in AdditionalData under key.
func timeField(l *jsonlex.Lexer, dst *time.Time, ad *map[string]any, key []byte) error {
	if l.Peek() != jsonlex.KindString {
		return stringField(l, new(string), ad, key)
	}
	b, _, err := l.StringBytes()
	if err != nil {
		return err
	}
	if t, ok := fastTimestamp(b); ok {
		*dst = t
		return nil
	}
	s := string(b)
	if t, ok := parseTimestamp(s); ok {
		*dst = t
		return nil
	}
	setAdditional(ad, string(key), s)
	return nil
}

// fastTimestamp parses the common "2006-01-02T15:04:05[.fraction]Z" form
// without allocating; anything else returns ok=false for the general parser.
func fastTimestamp(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	frac := b[19 : len(b)-1]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	if year == 1 && month == 1 && day == 1 && hour == 0 && minute == 0 && sec == 0 && nsec == 0 {
		return time.Time{}, true
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func identitySetField(l *jsonlex.Lexer, dst **IdentitySet, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindObject:
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	default:
		return keep(l, ad, key)
	}
	s := &IdentitySet{}
	*dst = s
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "application":
			return identityField(l, &s.Application, &s.AdditionalData, key)
		case "device":
			return identityField(l, &s.Device, &s.AdditionalData, key)
		case "user":
			return identityField(l, &s.User, &s.AdditionalData, key)
		}
		return keep(l, &s.AdditionalData, key)
	})
}

func identityField(l *jsonlex.Lexer, dst **Identity, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindObject:
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	default:
		return keep(l, ad, key)
	}
	id := &Identity{}
	*dst = id
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return sharedStringField(l, &id.ID, &id.AdditionalData, key)
		case "displayName":
			return sharedStringField(l, &id.DisplayName, &id.AdditionalData, key)
		case "email":
			return sharedStringField(l, &id.Email, &id.AdditionalData, key)
		}
		return keep(l, &id.AdditionalData, key)
	})
}

// errorFields are the members publicError, publicInnerError and
// publicErrorDetail share.
type errorFields struct {
	code, message, target *string
	details               *[]PublicErrorDetail // nil for a detail
	ad                    *map[string]any
}

// decode reads one member of an error object whose lowercased key is lower;
// handled is false for a key the caller must deal with.
func (f errorFields) decode(l *jsonlex.Lexer, lower string, key []byte) (handled bool, err error) {
	switch lower {
	case "code":
		return true, stringField(l, f.code, f.ad, key)
	case "message":
		return true, stringField(l, f.message, f.ad, key)
	case "target":
		return true, stringField(l, f.target, f.ad, key)
	case "details":
		if f.details != nil {
			return true, detailsField(l, f.details, f.ad, key)
		}
	}
	return false, nil
}

// decodePublicError decodes a publicError (or Graph's mainError). Keys are
// matched case-insensitively.
func decodePublicError(l *jsonlex.Lexer, e *PublicError) error {
	common := errorFields{&e.Code, &e.Message, &e.Target, &e.Details, &e.AdditionalData}
	return l.Members(func(key []byte) error {
		lower := strings.ToLower(string(key))
		if handled, err := common.decode(l, lower, key); handled {
			return err
		}
		if lower == "innererror" {
			if l.Peek() != jsonlex.KindObject {
				return keepUnlessNull(l, &e.AdditionalData, key)
			}
			e.InnerError = &PublicInnerError{}
			return decodeInnerError(l, e.InnerError)
		}
		return keep(l, &e.AdditionalData, key)
	})
}

func decodeInnerError(l *jsonlex.Lexer, e *PublicInnerError) error {
	common := errorFields{&e.Code, &e.Message, &e.Target, &e.Details, &e.AdditionalData}
	return l.Members(func(key []byte) error {
		lower := strings.ToLower(string(key))
		if handled, err := common.decode(l, lower, key); handled {
			return err
		}
		switch lower {
		case "request-id":
			return stringField(l, &e.RequestID, &e.AdditionalData, key)
		case "client-request-id":
			return stringField(l, &e.ClientRequestID, &e.AdditionalData, key)
		case "date":
			return stringField(l, &e.Date, &e.AdditionalData, key)
		}
		return keep(l, &e.AdditionalData, key)
	})
}

// detailsField decodes an array of error details. If it is not an array of
// objects, the raw value is kept in AdditionalData and dst stays nil.
func detailsField(l *jsonlex.Lexer, dst *[]PublicErrorDetail, ad *map[string]any, key []byte) error {
	if l.Peek() != jsonlex.KindArray {
		return keepUnlessNull(l, ad, key)
	}
	raw, err := l.Skip()
	if err != nil {
		return err
	}
	sub := jsonlex.New(raw)
	if _, err := sub.ArrayStart(); err != nil {
		return err
	}
	details := []PublicErrorDetail{}
	first := true
	for {
		more, err := sub.NextElement(&first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if sub.Peek() != jsonlex.KindObject {
			return keepBytes(raw, ad, key)
		}
		var d PublicErrorDetail
		common := errorFields{code: &d.Code, message: &d.Message, target: &d.Target, ad: &d.AdditionalData}
		err = sub.Members(func(key []byte) error {
			if handled, err := common.decode(sub, strings.ToLower(string(key)), key); handled {
				return err
			}
			return keep(sub, &d.AdditionalData, key)
		})
		if err != nil {
			return err
		}
		details = append(details, d)
	}
	*dst = details
	return nil
}
