package models

import (
	"encoding/json"
	"math"
	"strconv"
)

// The instance annotations a policy PATCH response puts on a failed
// "…ProtectionUnits@delta" item. Both keys are kept in the item's
// AdditionalData; the Org.OData.Core.V1 spellings are the same terms without
// the "Core" alias and are accepted too.
const (
	// AnnotationDataModificationException is the OData annotation carrying
	// why one change of a delta PATCH failed.
	AnnotationDataModificationException = "@Core.DataModificationException"
	// AnnotationContentID correlates a response item with its request item.
	AnnotationContentID = "@contentId"

	annotationDataModificationExceptionFull = "@Org.OData.Core.V1.DataModificationException"
	annotationContentIDCore                 = "@Core.ContentID"
)

// DataModificationException is the OData Core.DataModificationException
// annotation of one failed item of a policy PATCH response, e.g.
//
//	"@Core.DataModificationException": {
//	  "info": {"code": "Invalid", "message": "The identifier to be removed from the Protection Policy does not exist"},
//	  "failedOperation": "remove", "responseCode": 409 }
//
// It is an error: the service's own account of why that one change failed
// while the PATCH as a whole answered 200.
type DataModificationException struct {
	// FailedOperation is the operation that failed, verbatim ("remove" in
	// the docs; OData names insert, update, upsert, delete, invoke, link,
	// unlink).
	FailedOperation string
	// ResponseCode is the per-item HTTP status (409 in the docs); 0 when
	// absent or not an integer.
	ResponseCode int
	// Code and Message are info.code and info.message.
	Code    string
	Message string
	// AdditionalData holds every other member (of the annotation and of
	// info, the latter under "info.<key>") and the raw value of a member of
	// the wrong type. When the annotation itself is not an object its raw
	// value is here under AnnotationDataModificationException.
	AdditionalData map[string]any
}

// Error describes the failed change, e.g. `remove failed with 409 Invalid:
// The identifier … does not exist`. It never panics, also on a nil or empty
// exception.
func (e *DataModificationException) Error() string {
	if e == nil {
		return "data modification failed"
	}
	op := e.FailedOperation
	if op == "" {
		op = "data modification"
	}
	s := op + " failed"
	if e.ResponseCode != 0 {
		s += " with " + strconv.Itoa(e.ResponseCode)
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// DataModificationError returns the unit's Core.DataModificationException
// annotation, decoded, and true when the unit (an item of a policy PATCH
// response's "…ProtectionUnits@delta" array) carries one that is not null.
// It reads AdditionalData, where both decoders keep the annotation; a
// malformed annotation still returns true, with what could not be read in
// the exception's AdditionalData. It returns nil and false when the
// annotation is absent, which alone does not prove the change succeeded:
// the error-codes page documents a second shape (the item's Error with codes
// such as ProtectionUnitNotFound), and an item without a Status is not an
// accepted change either.
func (u *ProtectionUnit) DataModificationError() (*DataModificationException, bool) {
	if u == nil {
		return nil, false
	}
	raw, ok := u.AdditionalData[AnnotationDataModificationException]
	if !ok || raw == nil {
		raw, ok = u.AdditionalData[annotationDataModificationExceptionFull]
	}
	if !ok || raw == nil {
		return nil, false
	}
	return decodeDataModificationException(raw), true
}

// ContentID returns the item's @contentId annotation (also read as
// @Core.ContentID), which correlates a PATCH response item with the request
// item, or "" when there is none or it is not a string.
func (u *ProtectionUnit) ContentID() string {
	if u == nil {
		return ""
	}
	for _, k := range []string{AnnotationContentID, annotationContentIDCore} {
		if s, ok := u.AdditionalData[k].(string); ok {
			return s
		}
	}
	return ""
}

func decodeDataModificationException(raw any) *DataModificationException {
	e := &DataModificationException{}
	obj, ok := raw.(map[string]any)
	if !ok {
		setAdditional(&e.AdditionalData, AnnotationDataModificationException, raw)
		return e
	}
	for k, v := range obj {
		switch k {
		case "failedOperation":
			if s, ok := v.(string); ok {
				e.FailedOperation = s
				continue
			}
		case "responseCode":
			if n, ok := integer(v); ok {
				e.ResponseCode = n
				continue
			}
		case "info":
			if info, ok := v.(map[string]any); ok {
				for ik, iv := range info {
					s, isString := iv.(string)
					switch {
					case ik == "code" && isString:
						e.Code = s
					case ik == "message" && isString:
						e.Message = s
					default:
						setAdditional(&e.AdditionalData, "info."+ik, iv)
					}
				}
				continue
			}
		}
		if v != nil {
			setAdditional(&e.AdditionalData, k, v)
		}
	}
	return e
}

// integer reads a whole number of the types a decoded AdditionalData value
// can have.
func integer(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), true
		}
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return int(n), true
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 32); err == nil {
			return int(i), true
		}
	}
	return 0, false
}
