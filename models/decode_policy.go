package models

import (
	"fmt"
	"math"
	"strconv"

	"github.com/m365kit/backuprestore/internal/jsonlex"
)

// UnmarshalJSON decodes a protection policy from its Graph JSON form in a
// single pass, with the same tolerance as ProtectionUnit.UnmarshalJSON: an
// unknown status is kept verbatim, a malformed member leaves its field zero
// and is kept raw in AdditionalData, unknown members are kept. It fails with
// *DecodeError only when data is not valid JSON or not an object. JSON null
// leaves p unchanged.
func (p *ProtectionPolicy) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v ProtectionPolicy
	if err := decodePolicy(l, &v); err != nil {
		return &DecodeError{What: "protection policy", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "protection policy", Err: err}
	}
	*p = v
	return nil
}

// UnmarshalJSON decodes a policy list page ({"value":[...],"@odata.nextLink":...}).
// It fails with *DecodeError when data is not valid JSON, not an object, or
// "value" holds something other than an array of objects.
func (pg *ProtectionPolicyPage) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	var v ProtectionPolicyPage
	if err := decodePolicyPage(l, &v); err != nil {
		return &DecodeError{What: "protection policy page", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "protection policy page", Err: err}
	}
	*pg = v
	return nil
}

// UnmarshalJSON decodes a serviceStatus object. It fails with *DecodeError
// only when data is not valid JSON or not an object; JSON null leaves s
// unchanged.
func (s *ServiceStatus) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v ServiceStatus
	if err := decodeServiceStatus(l, &v); err != nil {
		return &DecodeError{What: "service status", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "service status", Err: err}
	}
	*s = v
	return nil
}

// UnmarshalJSON decodes the body of GET /solutions/backupRestore. It fails
// with *DecodeError only when data is not valid JSON or not an object; JSON
// null leaves r unchanged.
func (r *BackupRestoreRoot) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v BackupRestoreRoot
	if err := decodeRoot(l, &v); err != nil {
		return &DecodeError{What: "backupRestore root", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "backupRestore root", Err: err}
	}
	*r = v
	return nil
}

// UnmarshalJSON decodes a retentionSetting object, keeping unknown or
// malformed members in AdditionalData. It fails with *DecodeError only when
// data is not valid JSON or not an object; JSON null leaves r unchanged.
func (r *RetentionSetting) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v RetentionSetting
	if err := decodeRetentionSetting(l, &v); err != nil {
		return &DecodeError{What: "retention setting", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "retention setting", Err: err}
	}
	*r = v
	return nil
}

// UnmarshalJSON decodes a protectionPolicyArtifactCount object, keeping
// unknown or malformed members in AdditionalData. It fails with
// *DecodeError only when data is not valid JSON or not an object; JSON null
// leaves c unchanged.
func (c *ArtifactCount) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v ArtifactCount
	if err := decodeArtifactCount(l, &v); err != nil {
		return &DecodeError{What: "artifact count", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "artifact count", Err: err}
	}
	*c = v
	return nil
}

func decodePolicyPage(l *jsonlex.Lexer, p *ProtectionPolicyPage) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "value":
			return decodePolicies(l, p)
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

func decodePolicies(l *jsonlex.Lexer, p *ProtectionPolicyPage) error {
	isNull, err := l.ArrayStart()
	if err != nil || isNull {
		return err
	}
	policies := []*ProtectionPolicy{}
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
			return fmt.Errorf("value[%d]: %w", len(policies), notObject(k))
		}
		pol := &ProtectionPolicy{}
		if err := decodePolicy(l, pol); err != nil {
			return fmt.Errorf("value[%d]: %w", len(policies), err)
		}
		policies = append(policies, pol)
	}
	p.Value = policies
	return nil
}

func decodePolicy(l *jsonlex.Lexer, p *ProtectionPolicy) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &p.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return stringField(l, &p.ID, ad, key)
		case "@odata.type":
			return stringField(l, &p.ODataType, ad, key)
		case "displayName":
			return stringField(l, &p.DisplayName, ad, key)
		case "status":
			return policyStatusField(l, &p.Status, ad, key)
		case "isEnabled":
			return boolField(l, &p.IsEnabled, ad, key)
		case "retentionSettings":
			return retentionSettingsField(l, &p.RetentionSettings, ad, key)
		case "createdBy":
			return identitySetField(l, &p.CreatedBy, ad, key)
		case "lastModifiedBy":
			return identitySetField(l, &p.LastModifiedBy, ad, key)
		case "createdDateTime":
			return timeField(l, &p.CreatedDateTime, ad, key)
		case "lastModifiedDateTime":
			return timeField(l, &p.LastModifiedDateTime, ad, key)
		case "protectionPolicyArtifactCount":
			switch l.Peek() {
			case jsonlex.KindObject:
				p.ProtectionPolicyArtifactCount = &ArtifactCount{}
				return decodeArtifactCount(l, p.ProtectionPolicyArtifactCount)
			case jsonlex.KindNull:
				_, err := l.Skip()
				return err
			}
		}
		return keep(l, ad, key)
	})
}

func policyStatusField(l *jsonlex.Lexer, dst *ProtectionPolicyStatus, ad *map[string]any, key []byte) error {
	if l.Peek() != jsonlex.KindString {
		var s string
		err := stringField(l, &s, ad, key)
		*dst = ProtectionPolicyStatus(s)
		return err
	}
	b, _, err := l.StringBytes()
	if err != nil {
		return err
	}
	*dst = internPolicyStatus(b)
	return nil
}

// internPolicyStatus returns the constant for a known status without allocating.
func internPolicyStatus(b []byte) ProtectionPolicyStatus {
	switch string(b) {
	case "inactive":
		return PolicyStatusInactive
	case "activeWithErrors":
		return PolicyStatusActiveWithErrors
	case "updating":
		return PolicyStatusUpdating
	case "active":
		return PolicyStatusActive
	case "unknownFutureValue":
		return PolicyStatusUnknownFutureValue
	}
	return ProtectionPolicyStatus(b)
}

// boolField reads true/false into a new *bool; null leaves dst nil; any
// other type is kept in AdditionalData.
func boolField(l *jsonlex.Lexer, dst **bool, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindBool:
		raw, err := l.Skip()
		if err != nil {
			return err
		}
		b := raw[0] == 't'
		*dst = &b
		return nil
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// int32Field reads a number whose value is a 32-bit integer ("3", also "3.0"
// and "3e0", as Kiota's parse node reads them); null leaves dst zero;
// anything else (another type, a fraction, out of range) is kept in
// AdditionalData.
func int32Field(l *jsonlex.Lexer, dst *int32, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindNumber:
		raw, err := l.Skip()
		if err != nil {
			return err
		}
		n, ok := integralNumber(raw, 32)
		if !ok {
			return keepBytes(raw, ad, key)
		}
		*dst = int32(n)
		return nil
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// int64Field reads an integer count into a new *int64; null leaves dst nil;
// anything else is kept in AdditionalData.
func int64Field(l *jsonlex.Lexer, dst **int64, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindNumber:
		raw, err := l.Skip()
		if err != nil {
			return err
		}
		n, ok := integralNumber(raw, 64)
		if !ok {
			return keepBytes(raw, ad, key)
		}
		*dst = &n
		return nil
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// retentionSettingsField decodes an array of retentionSetting objects. If it
// is not an array of objects, the raw value is kept in AdditionalData and
// dst stays nil.
// integralNumber returns the value of a JSON number (already validated) when
// it is a whole number that fits in a signed integer of bitSize bits.
func integralNumber(raw []byte, bitSize int) (int64, bool) {
	if n, err := strconv.ParseInt(string(raw), 10, bitSize); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) {
		return 0, false
	}
	limit := math.Ldexp(1, bitSize-1)
	if f < -limit || f >= limit {
		return 0, false
	}
	return int64(f), true
}

func retentionSettingsField(l *jsonlex.Lexer, dst *[]RetentionSetting, ad *map[string]any, key []byte) error {
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
	out := []RetentionSetting{}
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
		var r RetentionSetting
		if err := decodeRetentionSetting(sub, &r); err != nil {
			return err
		}
		out = append(out, r)
	}
	*dst = out
	return nil
}

func decodeRetentionSetting(l *jsonlex.Lexer, r *RetentionSetting) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "interval":
			return stringField(l, &r.Interval, &r.AdditionalData, key)
		case "period":
			return stringField(l, &r.Period, &r.AdditionalData, key)
		}
		return keep(l, &r.AdditionalData, key)
	})
}

func decodeArtifactCount(l *jsonlex.Lexer, c *ArtifactCount) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &c.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "completed":
			return int32Field(l, &c.Completed, ad, key)
		case "failed":
			return int32Field(l, &c.Failed, ad, key)
		case "inProgress":
			return int32Field(l, &c.InProgress, ad, key)
		case "total":
			return int32Field(l, &c.Total, ad, key)
		}
		return keep(l, ad, key)
	})
}

func decodeServiceStatus(l *jsonlex.Lexer, s *ServiceStatus) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &s.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "status":
			var v string
			err := stringField(l, &v, ad, key)
			s.Status = BackupServiceStatus(v)
			return err
		case "disableReason":
			var v string
			err := stringField(l, &v, ad, key)
			s.DisableReason = DisableReason(v)
			return err
		case "gracePeriodDateTime":
			return timeField(l, &s.GracePeriodDateTime, ad, key)
		case "restoreAllowedTillDateTime":
			return timeField(l, &s.RestoreAllowedTillDateTime, ad, key)
		case "lastModifiedDateTime":
			return timeField(l, &s.LastModifiedDateTime, ad, key)
		case "lastModifiedBy":
			return identitySetField(l, &s.LastModifiedBy, ad, key)
		case "backupServiceConsumer":
			var v string
			err := stringField(l, &v, ad, key)
			s.BackupServiceConsumer = BackupServiceConsumer(v)
			return err
		}
		return keep(l, ad, key)
	})
}

func decodeRoot(l *jsonlex.Lexer, r *BackupRestoreRoot) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &r.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return stringField(l, &r.ID, ad, key)
		case "serviceStatus":
			switch l.Peek() {
			case jsonlex.KindObject:
				r.ServiceStatus = &ServiceStatus{}
				return decodeServiceStatus(l, r.ServiceStatus)
			case jsonlex.KindNull:
				_, err := l.Skip()
				return err
			}
		}
		return keep(l, ad, key)
	})
}
