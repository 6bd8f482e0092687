package models

import (
	"fmt"

	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/jsonlex"
)

// This file is the wire form of inclusion rules and bulk addition jobs:
// UnmarshalJSON (one pass over jsonlex, tolerant as ProtectionUnit's),
// MarshalJSON, and Kiota's Parsable.

var (
	_ serialization.Parsable             = (*ProtectionRule)(nil)
	_ serialization.AdditionalDataHolder = (*ProtectionRule)(nil)
	_ serialization.Parsable             = (*ProtectionRulePage)(nil)
	_ serialization.Parsable             = (*BulkAdditionJob)(nil)
	_ serialization.AdditionalDataHolder = (*BulkAdditionJob)(nil)
	_ serialization.Parsable             = (*BulkAdditionJobPage)(nil)
)

// UnmarshalJSON decodes an inclusion rule. An unknown status is kept
// verbatim, a malformed member leaves its field zero and is kept raw in
// AdditionalData, unknown members are kept. It fails with *DecodeError
// only when data is not valid JSON or not an object; JSON null leaves r
// unchanged.
func (r *ProtectionRule) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v ProtectionRule
	if err := decodeRule(l, &v); err != nil {
		return &DecodeError{What: "inclusion rule", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "inclusion rule", Err: err}
	}
	*r = v
	return nil
}

// UnmarshalJSON decodes a bulk addition job, with the tolerance of
// ProtectionRule.UnmarshalJSON.
func (j *BulkAdditionJob) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	if l.Peek() == jsonlex.KindNull {
		return nil
	}
	var v BulkAdditionJob
	if err := decodeJob(l, &v); err != nil {
		return &DecodeError{What: "bulk addition job", Err: err}
	}
	if err := l.End(); err != nil {
		return &DecodeError{What: "bulk addition job", Err: err}
	}
	*j = v
	return nil
}

// UnmarshalJSON decodes a rule list page. It fails with *DecodeError when
// data is not valid JSON, not an object, or "value" is not an array of
// objects.
func (pg *ProtectionRulePage) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	var v ProtectionRulePage
	err := decodeEnvelope(l, &v.NextLink, &v.ODataContext, &v.Count, &v.AdditionalData, func(i int) error {
		r := &ProtectionRule{}
		v.Value = append(v.Value, r)
		return decodeRule(l, r)
	})
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return &DecodeError{What: "inclusion rule page", Err: err}
	}
	if v.Value == nil {
		v.Value = []*ProtectionRule{}
	}
	*pg = v
	return nil
}

// UnmarshalJSON decodes a bulk-addition-job list page, failing as
// ProtectionRulePage.UnmarshalJSON does.
func (pg *BulkAdditionJobPage) UnmarshalJSON(data []byte) error {
	l := jsonlex.New(data)
	var v BulkAdditionJobPage
	err := decodeEnvelope(l, &v.NextLink, &v.ODataContext, &v.Count, &v.AdditionalData, func(i int) error {
		j := &BulkAdditionJob{}
		v.Value = append(v.Value, j)
		return decodeJob(l, j)
	})
	if err == nil {
		err = l.End()
	}
	if err != nil {
		return &DecodeError{What: "bulk addition job page", Err: err}
	}
	if v.Value == nil {
		v.Value = []*BulkAdditionJob{}
	}
	*pg = v
	return nil
}

// decodeEnvelope reads a collection page, calling item for each element of
// "value" (the lexer positioned on an object).
func decodeEnvelope(l *jsonlex.Lexer, next, ctx *string, count **int64, ad *map[string]any, item func(i int) error) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "value":
			isNull, err := l.ArrayStart()
			if err != nil || isNull {
				return err
			}
			first := true
			for i := 0; ; i++ {
				ok, err := l.NextElement(&first)
				if err != nil {
					return err
				}
				if !ok {
					return nil
				}
				if k := l.Peek(); k != jsonlex.KindObject {
					return fmt.Errorf("value[%d]: %w", i, notObject(k))
				}
				if err := item(i); err != nil {
					return fmt.Errorf("value[%d]: %w", i, err)
				}
			}
		case "@odata.nextLink":
			return stringField(l, next, ad, key)
		case "@odata.context":
			return stringField(l, ctx, ad, key)
		case "@odata.count":
			return int64Field(l, count, ad, key)
		}
		return keep(l, ad, key)
	})
}

func errorField(l *jsonlex.Lexer, dst **PublicError, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindObject:
		*dst = &PublicError{}
		return decodePublicError(l, *dst)
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	}
	return keep(l, ad, key)
}

// stringsField reads an array of strings; null leaves dst nil; anything
// else (another type, an element that is not a string) is kept raw in
// AdditionalData and dst stays nil.
func stringsField(l *jsonlex.Lexer, dst *[]string, ad *map[string]any, key []byte) error {
	switch l.Peek() {
	case jsonlex.KindNull:
		_, err := l.Skip()
		return err
	case jsonlex.KindArray:
	default:
		return keep(l, ad, key)
	}
	raw, err := l.Skip()
	if err != nil {
		return err
	}
	sub := jsonlex.New(raw)
	if _, err := sub.ArrayStart(); err != nil {
		return err
	}
	out := []string{}
	first := true
	for {
		more, err := sub.NextElement(&first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if sub.Peek() != jsonlex.KindString {
			return keepBytes(raw, ad, key)
		}
		s, _, err := sub.String()
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	*dst = out
	return nil
}

func decodeRule(l *jsonlex.Lexer, r *ProtectionRule) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &r.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return stringField(l, &r.ID, ad, key)
		case "@odata.type":
			return stringField(l, &r.ODataType, ad, key)
		case "status":
			var s string
			err := stringField(l, &s, ad, key)
			r.Status = ProtectionRuleStatus(s)
			return err
		case "siteExpression":
			return stringField(l, &r.SiteExpression, ad, key)
		case "driveExpression":
			return stringField(l, &r.DriveExpression, ad, key)
		case "mailboxExpression":
			return stringField(l, &r.MailboxExpression, ad, key)
		case "isAutoApplyEnabled":
			return boolField(l, &r.IsAutoApplyEnabled, ad, key)
		case "error":
			return errorField(l, &r.Error, ad, key)
		case "createdBy":
			return identitySetField(l, &r.CreatedBy, ad, key)
		case "lastModifiedBy":
			return identitySetField(l, &r.LastModifiedBy, ad, key)
		case "createdDateTime":
			return timeField(l, &r.CreatedDateTime, ad, key)
		case "lastModifiedDateTime":
			return timeField(l, &r.LastModifiedDateTime, ad, key)
		}
		return keep(l, ad, key)
	})
}

func decodeJob(l *jsonlex.Lexer, j *BulkAdditionJob) error {
	if k := l.Peek(); k != jsonlex.KindObject {
		return notObject(k)
	}
	ad := &j.AdditionalData
	return l.Members(func(key []byte) error {
		switch string(key) {
		case "id":
			return stringField(l, &j.ID, ad, key)
		case "@odata.type":
			return stringField(l, &j.ODataType, ad, key)
		case "displayName":
			return stringField(l, &j.DisplayName, ad, key)
		case "status":
			var s string
			err := stringField(l, &s, ad, key)
			j.Status = BulkJobStatus(s)
			return err
		case "siteWebUrls":
			return stringsField(l, &j.SiteWebURLs, ad, key)
		case "siteIds":
			return stringsField(l, &j.SiteIDs, ad, key)
		case "drives":
			return stringsField(l, &j.Drives, ad, key)
		case "mailboxes":
			return stringsField(l, &j.Mailboxes, ad, key)
		case "directoryObjectIds":
			return stringsField(l, &j.DirectoryObjectIDs, ad, key)
		case "error":
			return errorField(l, &j.Error, ad, key)
		case "createdBy":
			return identitySetField(l, &j.CreatedBy, ad, key)
		case "lastModifiedBy":
			return identitySetField(l, &j.LastModifiedBy, ad, key)
		case "createdDateTime":
			return timeField(l, &j.CreatedDateTime, ad, key)
		case "lastModifiedDateTime":
			return timeField(l, &j.LastModifiedDateTime, ad, key)
		}
		return keep(l, ad, key)
	})
}

// MarshalJSON writes the rule in Graph's wire form: empty strings, zero
// times and nil members are omitted; AdditionalData follows (sorted). It
// fails only if an AdditionalData value cannot be marshalled.
func (r ProtectionRule) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("@odata.type", r.ODataType)
		w.str("id", r.ID)
		w.str("siteExpression", r.SiteExpression)
		w.str("driveExpression", r.DriveExpression)
		w.str("mailboxExpression", r.MailboxExpression)
		if r.IsAutoApplyEnabled != nil {
			w.value("isAutoApplyEnabled", *r.IsAutoApplyEnabled)
		}
		w.str("status", string(r.Status))
		if r.Error != nil {
			w.value("error", r.Error)
		}
		if r.CreatedBy != nil {
			w.value("createdBy", r.CreatedBy)
		}
		w.time("createdDateTime", r.CreatedDateTime)
		if r.LastModifiedBy != nil {
			w.value("lastModifiedBy", r.LastModifiedBy)
		}
		w.time("lastModifiedDateTime", r.LastModifiedDateTime)
		w.additional(r.AdditionalData)
	})
}

// MarshalJSON writes the job in Graph's wire form (nil slices omitted,
// empty ones written as []). It fails only if an AdditionalData value
// cannot be marshalled.
func (j BulkAdditionJob) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("@odata.type", j.ODataType)
		w.str("id", j.ID)
		w.str("displayName", j.DisplayName)
		w.str("status", string(j.Status))
		for _, f := range j.stringFields() {
			if *f.v != nil {
				w.value(f.key, *f.v)
			}
		}
		if j.Error != nil {
			w.value("error", j.Error)
		}
		if j.CreatedBy != nil {
			w.value("createdBy", j.CreatedBy)
		}
		w.time("createdDateTime", j.CreatedDateTime)
		if j.LastModifiedBy != nil {
			w.value("lastModifiedBy", j.LastModifiedBy)
		}
		w.time("lastModifiedDateTime", j.LastModifiedDateTime)
		w.additional(j.AdditionalData)
	})
}

type stringsMember struct {
	key string
	v   *[]string
}

func (j *BulkAdditionJob) stringFields() []stringsMember {
	return []stringsMember{
		{"siteWebUrls", &j.SiteWebURLs}, {"siteIds", &j.SiteIDs}, {"drives", &j.Drives},
		{"mailboxes", &j.Mailboxes}, {"directoryObjectIds", &j.DirectoryObjectIDs},
	}
}

// CreateProtectionRuleFromDiscriminatorValue is the Kiota ParsableFactory
// for ProtectionRule (one struct for the three derived types). It never
// fails.
func CreateProtectionRuleFromDiscriminatorValue(serialization.ParseNode) (serialization.Parsable, error) {
	return &ProtectionRule{}, nil
}

// CreateProtectionRulePageFromDiscriminatorValue is the Kiota
// ParsableFactory for ProtectionRulePage. It never fails.
func CreateProtectionRulePageFromDiscriminatorValue(serialization.ParseNode) (serialization.Parsable, error) {
	return &ProtectionRulePage{}, nil
}

// CreateBulkAdditionJobFromDiscriminatorValue is the Kiota ParsableFactory
// for BulkAdditionJob. It never fails.
func CreateBulkAdditionJobFromDiscriminatorValue(serialization.ParseNode) (serialization.Parsable, error) {
	return &BulkAdditionJob{}, nil
}

// CreateBulkAdditionJobPageFromDiscriminatorValue is the Kiota
// ParsableFactory for BulkAdditionJobPage. It never fails.
func CreateBulkAdditionJobPageFromDiscriminatorValue(serialization.ParseNode) (serialization.Parsable, error) {
	return &BulkAdditionJobPage{}, nil
}

// Serialize writes the rule with a Kiota SerializationWriter, in the same
// form as MarshalJSON. It fails only if the writer fails.
func (r *ProtectionRule) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.type", r.ODataType)
	k.str("id", r.ID)
	k.str("siteExpression", r.SiteExpression)
	k.str("driveExpression", r.DriveExpression)
	k.str("mailboxExpression", r.MailboxExpression)
	if r.IsAutoApplyEnabled != nil && k.err == nil {
		k.written["isAutoApplyEnabled"] = true
		k.err = w.WriteBoolValue("isAutoApplyEnabled", r.IsAutoApplyEnabled)
	}
	k.str("status", string(r.Status))
	k.object("error", r.Error, r.Error == nil)
	k.object("createdBy", r.CreatedBy, r.CreatedBy == nil)
	k.time("createdDateTime", r.CreatedDateTime)
	k.object("lastModifiedBy", r.LastModifiedBy, r.LastModifiedBy == nil)
	k.time("lastModifiedDateTime", r.LastModifiedDateTime)
	return k.finish(r.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the rule.
// Like UnmarshalJSON, a value of the wrong JSON type or a malformed
// timestamp is kept in AdditionalData instead of failing.
func (r *ProtectionRule) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &r.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"@odata.type":       kiotaString(&r.ODataType, ad, "@odata.type"),
		"id":                kiotaString(&r.ID, ad, "id"),
		"siteExpression":    kiotaString(&r.SiteExpression, ad, "siteExpression"),
		"driveExpression":   kiotaString(&r.DriveExpression, ad, "driveExpression"),
		"mailboxExpression": kiotaString(&r.MailboxExpression, ad, "mailboxExpression"),
		"status": func(n serialization.ParseNode) error {
			var s string
			err := kiotaString(&s, ad, "status")(n)
			r.Status = ProtectionRuleStatus(s)
			return err
		},
		"isAutoApplyEnabled":   kiotaBool(&r.IsAutoApplyEnabled, ad, "isAutoApplyEnabled"),
		"error":                kiotaObject(&r.Error, CreatePublicErrorFromDiscriminatorValue, ad, "error"),
		"createdBy":            kiotaObject(&r.CreatedBy, CreateIdentitySetFromDiscriminatorValue, ad, "createdBy"),
		"lastModifiedBy":       kiotaObject(&r.LastModifiedBy, CreateIdentitySetFromDiscriminatorValue, ad, "lastModifiedBy"),
		"createdDateTime":      kiotaTime(&r.CreatedDateTime, ad, "createdDateTime"),
		"lastModifiedDateTime": kiotaTime(&r.LastModifiedDateTime, ad, "lastModifiedDateTime"),
	}
}

// GetAdditionalData returns the rule's unknown properties.
func (r *ProtectionRule) GetAdditionalData() map[string]any { return r.AdditionalData }

// SetAdditionalData replaces the rule's unknown properties.
func (r *ProtectionRule) SetAdditionalData(v map[string]any) { r.AdditionalData = v }

// Serialize writes the job with a Kiota SerializationWriter, in the same
// form as MarshalJSON. It fails only if the writer fails.
func (j *BulkAdditionJob) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.type", j.ODataType)
	k.str("id", j.ID)
	k.str("displayName", j.DisplayName)
	k.str("status", string(j.Status))
	for _, f := range j.stringFields() {
		if *f.v != nil && k.err == nil {
			k.written[f.key] = true
			k.err = w.WriteCollectionOfStringValues(f.key, *f.v)
		}
	}
	k.object("error", j.Error, j.Error == nil)
	k.object("createdBy", j.CreatedBy, j.CreatedBy == nil)
	k.time("createdDateTime", j.CreatedDateTime)
	k.object("lastModifiedBy", j.LastModifiedBy, j.LastModifiedBy == nil)
	k.time("lastModifiedDateTime", j.LastModifiedDateTime)
	return k.finish(j.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the job,
// as tolerant as UnmarshalJSON.
func (j *BulkAdditionJob) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &j.AdditionalData
	m := map[string]func(serialization.ParseNode) error{
		"@odata.type": kiotaString(&j.ODataType, ad, "@odata.type"),
		"id":          kiotaString(&j.ID, ad, "id"),
		"displayName": kiotaString(&j.DisplayName, ad, "displayName"),
		"status": func(n serialization.ParseNode) error {
			var s string
			err := kiotaString(&s, ad, "status")(n)
			j.Status = BulkJobStatus(s)
			return err
		},
		"error":                kiotaObject(&j.Error, CreatePublicErrorFromDiscriminatorValue, ad, "error"),
		"createdBy":            kiotaObject(&j.CreatedBy, CreateIdentitySetFromDiscriminatorValue, ad, "createdBy"),
		"lastModifiedBy":       kiotaObject(&j.LastModifiedBy, CreateIdentitySetFromDiscriminatorValue, ad, "lastModifiedBy"),
		"createdDateTime":      kiotaTime(&j.CreatedDateTime, ad, "createdDateTime"),
		"lastModifiedDateTime": kiotaTime(&j.LastModifiedDateTime, ad, "lastModifiedDateTime"),
	}
	for _, f := range j.stringFields() {
		m[f.key] = kiotaStrings(f.v, ad, f.key)
	}
	return m
}

// kiotaStrings reads an array of strings; null leaves dst nil; anything
// else is kept raw in AdditionalData.
func kiotaStrings(dst *[]string, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		raw, err := n.GetRawValue()
		if err != nil || raw == nil {
			return err
		}
		items, ok := raw.([]any)
		if !ok {
			return keepRaw(n, ad, key)
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				if p, isPtr := it.(*string); isPtr && p != nil {
					s, ok = *p, true
				}
			}
			if !ok {
				return keepRaw(n, ad, key)
			}
			out = append(out, s)
		}
		*dst = out
		return nil
	}
}

// GetAdditionalData returns the job's unknown properties.
func (j *BulkAdditionJob) GetAdditionalData() map[string]any { return j.AdditionalData }

// SetAdditionalData replaces the job's unknown properties.
func (j *BulkAdditionJob) SetAdditionalData(v map[string]any) { j.AdditionalData = v }

// Serialize writes the page with a Kiota SerializationWriter.
func (pg *ProtectionRulePage) Serialize(w serialization.SerializationWriter) error {
	items := make([]serialization.Parsable, len(pg.Value))
	for i, r := range pg.Value {
		items[i] = r
	}
	return serializePage(w, pg.ODataContext, pg.NextLink, pg.Count, items, pg.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the page.
func (pg *ProtectionRulePage) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	return pageDeserializers(&pg.ODataContext, &pg.NextLink, &pg.Count, &pg.AdditionalData, CreateProtectionRuleFromDiscriminatorValue, func(p serialization.Parsable) {
		if r, ok := p.(*ProtectionRule); ok {
			pg.Value = append(pg.Value, r)
		}
	})
}

// Serialize writes the page with a Kiota SerializationWriter.
func (pg *BulkAdditionJobPage) Serialize(w serialization.SerializationWriter) error {
	items := make([]serialization.Parsable, len(pg.Value))
	for i, j := range pg.Value {
		items[i] = j
	}
	return serializePage(w, pg.ODataContext, pg.NextLink, pg.Count, items, pg.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the page.
func (pg *BulkAdditionJobPage) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	return pageDeserializers(&pg.ODataContext, &pg.NextLink, &pg.Count, &pg.AdditionalData, CreateBulkAdditionJobFromDiscriminatorValue, func(p serialization.Parsable) {
		if j, ok := p.(*BulkAdditionJob); ok {
			pg.Value = append(pg.Value, j)
		}
	})
}

func serializePage(w serialization.SerializationWriter, ctx, next string, count *int64, items []serialization.Parsable, ad map[string]any) error {
	k := newKiotaWriter(w)
	k.str("@odata.context", ctx)
	if count != nil && k.err == nil {
		k.written["@odata.count"] = true
		k.err = w.WriteInt64Value("@odata.count", count)
	}
	k.str("@odata.nextLink", next)
	if k.err == nil {
		k.written["value"] = true
		k.err = w.WriteCollectionOfObjectValues("value", items)
	}
	return k.finish(ad)
}

func pageDeserializers(ctx, next *string, count **int64, ad *map[string]any, factory serialization.ParsableFactory, add func(serialization.Parsable)) map[string]func(serialization.ParseNode) error {
	return map[string]func(serialization.ParseNode) error{
		"@odata.context":  kiotaString(ctx, ad, "@odata.context"),
		"@odata.nextLink": kiotaString(next, ad, "@odata.nextLink"),
		"@odata.count": func(n serialization.ParseNode) error {
			v, err := n.GetInt64Value()
			if err != nil {
				return keepRaw(n, ad, "@odata.count")
			}
			*count = v
			return nil
		},
		"value": func(n serialization.ParseNode) error {
			items, err := n.GetCollectionOfObjectValues(factory)
			if err != nil {
				return err
			}
			for _, it := range items {
				add(it)
			}
			return nil
		},
	}
}

// GetAdditionalData returns the page's unknown properties.
func (pg *ProtectionRulePage) GetAdditionalData() map[string]any { return pg.AdditionalData }

// SetAdditionalData replaces the page's unknown properties.
func (pg *ProtectionRulePage) SetAdditionalData(v map[string]any) { pg.AdditionalData = v }

// GetAdditionalData returns the page's unknown properties.
func (pg *BulkAdditionJobPage) GetAdditionalData() map[string]any { return pg.AdditionalData }

// SetAdditionalData replaces the page's unknown properties.
func (pg *BulkAdditionJobPage) SetAdditionalData(v map[string]any) { pg.AdditionalData = v }
