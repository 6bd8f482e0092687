package models

import (
	"time"

	"github.com/microsoft/kiota-abstractions-go/serialization"
)

// Compile-time proof that every model is a Kiota Parsable and
// AdditionalDataHolder.
var (
	_ serialization.Parsable             = (*ProtectionUnit)(nil)
	_ serialization.AdditionalDataHolder = (*ProtectionUnit)(nil)
	_ serialization.Parsable             = (*ProtectionUnitPage)(nil)
	_ serialization.AdditionalDataHolder = (*ProtectionUnitPage)(nil)
	_ serialization.Parsable             = (*IdentitySet)(nil)
	_ serialization.AdditionalDataHolder = (*IdentitySet)(nil)
	_ serialization.Parsable             = (*Identity)(nil)
	_ serialization.AdditionalDataHolder = (*Identity)(nil)
	_ serialization.Parsable             = (*PublicError)(nil)
	_ serialization.AdditionalDataHolder = (*PublicError)(nil)
	_ serialization.Parsable             = (*PublicErrorDetail)(nil)
	_ serialization.Parsable             = (*PublicInnerError)(nil)
)

// CreateProtectionUnitFromDiscriminatorValue is the Kiota ParsableFactory
// for ProtectionUnit. One struct covers the three derived types, so the
// discriminator (@odata.type) only lands in ProtectionUnit.ODataType. It
// never fails.
func CreateProtectionUnitFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ProtectionUnit{}, nil
}

// CreateProtectionUnitPageFromDiscriminatorValue is the Kiota ParsableFactory
// for ProtectionUnitPage. It never fails.
func CreateProtectionUnitPageFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ProtectionUnitPage{}, nil
}

// CreateIdentitySetFromDiscriminatorValue is the Kiota ParsableFactory for
// IdentitySet. It never fails.
func CreateIdentitySetFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &IdentitySet{}, nil
}

// CreateIdentityFromDiscriminatorValue is the Kiota ParsableFactory for
// Identity. It never fails.
func CreateIdentityFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &Identity{}, nil
}

// CreatePublicErrorFromDiscriminatorValue is the Kiota ParsableFactory for
// PublicError. It never fails.
func CreatePublicErrorFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &PublicError{}, nil
}

// CreatePublicErrorDetailFromDiscriminatorValue is the Kiota ParsableFactory
// for PublicErrorDetail. It never fails.
func CreatePublicErrorDetailFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &PublicErrorDetail{}, nil
}

// CreatePublicInnerErrorFromDiscriminatorValue is the Kiota ParsableFactory
// for PublicInnerError. It never fails.
func CreatePublicInnerErrorFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &PublicInnerError{}, nil
}

// normalizeAfterParse makes Kiota's parse node leave AdditionalData in the
// same shape as UnmarshalJSON does (string, float64, bool, nil, []any,
// map[string]any) instead of pointers (*string, *float64, ...). The parse
// node writes unknown properties straight into the holder's map, so the only
// place to do that is its after-assign hook; the previous hook still runs.
func normalizeAfterParse(n serialization.ParseNode) {
	if n == nil {
		return
	}
	prev := n.GetOnAfterAssignFieldValues()
	_ = n.SetOnAfterAssignFieldValues(func(p serialization.Parsable) error {
		switch v := p.(type) {
		case *ProtectionUnit, *ProtectionUnitPage, *IdentitySet, *Identity, *PublicError, *PublicErrorDetail, *PublicInnerError,
			*ProtectionPolicy, *ProtectionPolicyPage, *RetentionSetting, *ArtifactCount, *ServiceStatus, *BackupRestoreRoot:
			if h, ok := v.(serialization.AdditionalDataHolder); ok {
				ad := h.GetAdditionalData()
				if len(ad) == 0 {
					// The parse node allocates an empty map; keep nil.
					h.SetAdditionalData(nil)
				}
				for k, x := range ad {
					ad[k] = plainValue(x)
				}
			}
		}
		if prev != nil {
			return prev(p)
		}
		return nil
	})
}

// plainValue dereferences the pointers Kiota's parse node produces.
func plainValue(v any) any {
	switch x := v.(type) {
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case *bool:
		if x == nil {
			return nil
		}
		return *x
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case *float32:
		if x == nil {
			return nil
		}
		return float64(*x)
	case *int64:
		if x == nil {
			return nil
		}
		return float64(*x)
	case *int32:
		if x == nil {
			return nil
		}
		return float64(*x)
	case *int8:
		if x == nil {
			return nil
		}
		return float64(*x)
	case *byte:
		if x == nil {
			return nil
		}
		return float64(*x)
	case []any:
		for i := range x {
			x[i] = plainValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = plainValue(x[k])
		}
		return x
	}
	return v
}

// kiotaString returns a field deserializer that reads a string into dst,
// keeping a value of another JSON type in AdditionalData under key.
func kiotaString(dst *string, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		v, err := n.GetStringValue()
		if err != nil {
			return keepRaw(n, ad, key)
		}
		if v != nil {
			*dst = *v
		}
		return nil
	}
}

func kiotaTime(dst *time.Time, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		v, err := n.GetStringValue()
		if err != nil {
			return keepRaw(n, ad, key)
		}
		if v == nil {
			return nil
		}
		if t, ok := parseTimestamp(*v); ok {
			*dst = t
			return nil
		}
		setAdditional(ad, key, *v)
		return nil
	}
}

func keepRaw(n serialization.ParseNode, ad *map[string]any, key string) error {
	raw, err := n.GetRawValue()
	if err != nil {
		return err
	}
	setAdditional(ad, key, plainValue(raw))
	return nil
}

func setAdditional(ad *map[string]any, key string, v any) {
	if *ad == nil {
		*ad = make(map[string]any, 1)
	}
	(*ad)[key] = v
}

// kiotaObject returns a field deserializer for a nested Parsable. A value
// that is not an object is kept in AdditionalData (Kiota's parse node would
// otherwise turn a string into an empty object), as UnmarshalJSON does.
func kiotaObject[T serialization.Parsable](dst *T, factory serialization.ParsableFactory, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		if !kiotaIsObjectOrNull(n) {
			return keepRaw(n, ad, key)
		}
		v, err := n.GetObjectValue(factory)
		if err != nil {
			return keepRaw(n, ad, key)
		}
		if t, ok := v.(T); ok {
			*dst = t
		}
		return nil
	}
}

// kiotaWriter writes declared properties and remembers their keys so that
// AdditionalData never repeats one.
type kiotaWriter struct {
	w       serialization.SerializationWriter
	written map[string]bool
	err     error
}

func newKiotaWriter(w serialization.SerializationWriter) *kiotaWriter {
	return &kiotaWriter{w: w, written: map[string]bool{}}
}

func (k *kiotaWriter) str(key, v string) {
	if v != "" && k.err == nil {
		k.written[key] = true
		k.err = k.w.WriteStringValue(key, &v)
	}
}

func (k *kiotaWriter) time(key string, t time.Time) {
	if !t.IsZero() {
		k.str(key, formatTimestamp(t))
	}
}

func (k *kiotaWriter) object(key string, v serialization.Parsable, isNil bool) {
	if !isNil && k.err == nil {
		k.written[key] = true
		k.err = k.w.WriteObjectValue(key, v)
	}
}

func (k *kiotaWriter) details(key string, d []PublicErrorDetail) {
	if d == nil || k.err != nil {
		return
	}
	items := make([]serialization.Parsable, len(d))
	for i := range d {
		items[i] = &d[i]
	}
	k.written[key] = true
	k.err = k.w.WriteCollectionOfObjectValues(key, items)
}

func (k *kiotaWriter) finish(ad map[string]any) error {
	if k.err != nil || len(ad) == 0 {
		return k.err
	}
	rest := make(map[string]any, len(ad))
	for key, v := range ad {
		if !k.written[key] {
			rest[key] = v
		}
	}
	return k.w.WriteAdditionalData(rest)
}

// Serialize writes the unit with a Kiota SerializationWriter, in the same
// form as MarshalJSON. It fails only if the writer fails.
func (u *ProtectionUnit) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.type", u.ODataType)
	k.str("id", u.ID)
	k.str("siteId", u.SiteID)
	k.str("siteName", u.SiteName)
	k.str("siteWebUrl", u.SiteWebURL)
	k.str("directoryObjectId", u.DirectoryObjectID)
	k.str("displayName", u.DisplayName)
	k.str("email", u.Email)
	k.str("policyId", u.PolicyID)
	k.str("status", string(u.Status))
	k.str("protectionSources", u.ProtectionSources.String())
	k.object("createdBy", u.CreatedBy, u.CreatedBy == nil)
	k.time("createdDateTime", u.CreatedDateTime)
	k.object("lastModifiedBy", u.LastModifiedBy, u.LastModifiedBy == nil)
	k.time("lastModifiedDateTime", u.LastModifiedDateTime)
	k.object("error", u.Error, u.Error == nil)
	k.time("offboardRequestedDateTime", u.OffboardRequestedDateTime)
	return k.finish(u.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the unit.
// Like UnmarshalJSON, a value of the wrong JSON type or a malformed timestamp
// is kept in AdditionalData instead of failing.
func (u *ProtectionUnit) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &u.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"@odata.type":       kiotaString(&u.ODataType, ad, "@odata.type"),
		"id":                kiotaString(&u.ID, ad, "id"),
		"siteId":            kiotaString(&u.SiteID, ad, "siteId"),
		"siteName":          kiotaString(&u.SiteName, ad, "siteName"),
		"siteWebUrl":        kiotaString(&u.SiteWebURL, ad, "siteWebUrl"),
		"directoryObjectId": kiotaString(&u.DirectoryObjectID, ad, "directoryObjectId"),
		"displayName":       kiotaString(&u.DisplayName, ad, "displayName"),
		"email":             kiotaString(&u.Email, ad, "email"),
		"policyId":          kiotaString(&u.PolicyID, ad, "policyId"),
		"status": func(n serialization.ParseNode) error {
			var s string
			err := kiotaString(&s, ad, "status")(n)
			u.Status = ProtectionUnitStatus(s)
			return err
		},
		"protectionSources": func(n serialization.ParseNode) error {
			var s string
			err := kiotaString(&s, ad, "protectionSources")(n)
			u.ProtectionSources = ParseProtectionSources(s)
			return err
		},
		"createdBy":                 kiotaObject(&u.CreatedBy, CreateIdentitySetFromDiscriminatorValue, ad, "createdBy"),
		"lastModifiedBy":            kiotaObject(&u.LastModifiedBy, CreateIdentitySetFromDiscriminatorValue, ad, "lastModifiedBy"),
		"error":                     kiotaObject(&u.Error, CreatePublicErrorFromDiscriminatorValue, ad, "error"),
		"createdDateTime":           kiotaTime(&u.CreatedDateTime, ad, "createdDateTime"),
		"lastModifiedDateTime":      kiotaTime(&u.LastModifiedDateTime, ad, "lastModifiedDateTime"),
		"offboardRequestedDateTime": kiotaTime(&u.OffboardRequestedDateTime, ad, "offboardRequestedDateTime"),
	}
}

// GetAdditionalData returns the unit's unknown properties.
func (u *ProtectionUnit) GetAdditionalData() map[string]any { return u.AdditionalData }

// SetAdditionalData replaces the unit's unknown properties.
func (u *ProtectionUnit) SetAdditionalData(v map[string]any) { u.AdditionalData = v }

// Serialize writes the page envelope with a Kiota SerializationWriter. It
// fails only if the writer fails.
func (p *ProtectionUnitPage) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.context", p.ODataContext)
	if p.Count != nil && k.err == nil {
		k.written["@odata.count"] = true
		k.err = w.WriteInt64Value("@odata.count", p.Count)
	}
	k.str("@odata.nextLink", p.NextLink)
	if k.err == nil {
		items := make([]serialization.Parsable, len(p.Value))
		for i, u := range p.Value {
			items[i] = u
		}
		k.written["value"] = true
		k.err = w.WriteCollectionOfObjectValues("value", items)
	}
	return k.finish(p.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the page.
func (p *ProtectionUnitPage) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &p.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"@odata.context":  kiotaString(&p.ODataContext, ad, "@odata.context"),
		"@odata.nextLink": kiotaString(&p.NextLink, ad, "@odata.nextLink"),
		"@odata.count": func(n serialization.ParseNode) error {
			v, err := n.GetInt64Value()
			if err != nil {
				return keepRaw(n, ad, "@odata.count")
			}
			p.Count = v
			return nil
		},
		"value": func(n serialization.ParseNode) error {
			items, err := n.GetCollectionOfObjectValues(CreateProtectionUnitFromDiscriminatorValue)
			if err != nil {
				return err
			}
			p.Value = make([]*ProtectionUnit, 0, len(items))
			for _, it := range items {
				if u, ok := it.(*ProtectionUnit); ok {
					p.Value = append(p.Value, u)
				}
			}
			return nil
		},
	}
}

// GetAdditionalData returns the page's unknown properties.
func (p *ProtectionUnitPage) GetAdditionalData() map[string]any { return p.AdditionalData }

// SetAdditionalData replaces the page's unknown properties.
func (p *ProtectionUnitPage) SetAdditionalData(v map[string]any) { p.AdditionalData = v }

// Serialize writes the identity set with a Kiota SerializationWriter.
func (s *IdentitySet) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.object("application", s.Application, s.Application == nil)
	k.object("device", s.Device, s.Device == nil)
	k.object("user", s.User, s.User == nil)
	return k.finish(s.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the set.
func (s *IdentitySet) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &s.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"application": kiotaObject(&s.Application, CreateIdentityFromDiscriminatorValue, ad, "application"),
		"device":      kiotaObject(&s.Device, CreateIdentityFromDiscriminatorValue, ad, "device"),
		"user":        kiotaObject(&s.User, CreateIdentityFromDiscriminatorValue, ad, "user"),
	}
}

// GetAdditionalData returns the set's unknown properties.
func (s *IdentitySet) GetAdditionalData() map[string]any { return s.AdditionalData }

// SetAdditionalData replaces the set's unknown properties.
func (s *IdentitySet) SetAdditionalData(v map[string]any) { s.AdditionalData = v }

// Serialize writes the identity with a Kiota SerializationWriter.
func (i *Identity) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("id", i.ID)
	k.str("displayName", i.DisplayName)
	k.str("email", i.Email)
	return k.finish(i.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the identity.
func (i *Identity) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &i.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"id":          kiotaString(&i.ID, ad, "id"),
		"displayName": kiotaString(&i.DisplayName, ad, "displayName"),
		"email":       kiotaString(&i.Email, ad, "email"),
	}
}

// GetAdditionalData returns the identity's unknown properties.
func (i *Identity) GetAdditionalData() map[string]any { return i.AdditionalData }

// SetAdditionalData replaces the identity's unknown properties.
func (i *Identity) SetAdditionalData(v map[string]any) { i.AdditionalData = v }

// Serialize writes the error with a Kiota SerializationWriter.
func (e *PublicError) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("code", e.Code)
	k.str("message", e.Message)
	k.str("target", e.Target)
	k.details("details", e.Details)
	k.object("innerError", e.InnerError, e.InnerError == nil)
	return k.finish(e.AdditionalData)
}

func detailsDeserializer(dst *[]PublicErrorDetail, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		isArray, isNull, err := kiotaArrayOfObjects(n)
		if err != nil || isNull {
			return err
		}
		if !isArray {
			return keepRaw(n, ad, key)
		}
		items, err := n.GetCollectionOfObjectValues(CreatePublicErrorDetailFromDiscriminatorValue)
		if err != nil {
			return keepRaw(n, ad, key)
		}
		out := make([]PublicErrorDetail, 0, len(items))
		for _, it := range items {
			if d, ok := it.(*PublicErrorDetail); ok {
				out = append(out, *d)
			}
		}
		*dst = out
		return nil
	}
}

// GetFieldDeserializers returns Kiota's field deserializers for the error.
func (e *PublicError) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &e.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"code":       kiotaString(&e.Code, ad, "code"),
		"message":    kiotaString(&e.Message, ad, "message"),
		"target":     kiotaString(&e.Target, ad, "target"),
		"details":    detailsDeserializer(&e.Details, ad, "details"),
		"innerError": kiotaObject(&e.InnerError, CreatePublicInnerErrorFromDiscriminatorValue, ad, "innerError"),
	}
}

// GetAdditionalData returns the error's unknown properties.
func (e *PublicError) GetAdditionalData() map[string]any { return e.AdditionalData }

// SetAdditionalData replaces the error's unknown properties.
func (e *PublicError) SetAdditionalData(v map[string]any) { e.AdditionalData = v }

// Serialize writes the detail with a Kiota SerializationWriter.
func (d *PublicErrorDetail) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("code", d.Code)
	k.str("message", d.Message)
	k.str("target", d.Target)
	return k.finish(d.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the detail.
func (d *PublicErrorDetail) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &d.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"code":    kiotaString(&d.Code, ad, "code"),
		"message": kiotaString(&d.Message, ad, "message"),
		"target":  kiotaString(&d.Target, ad, "target"),
	}
}

// GetAdditionalData returns the detail's unknown properties.
func (d *PublicErrorDetail) GetAdditionalData() map[string]any { return d.AdditionalData }

// SetAdditionalData replaces the detail's unknown properties.
func (d *PublicErrorDetail) SetAdditionalData(v map[string]any) { d.AdditionalData = v }

// Serialize writes the inner error with a Kiota SerializationWriter.
func (e *PublicInnerError) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("code", e.Code)
	k.str("message", e.Message)
	k.str("target", e.Target)
	k.details("details", e.Details)
	k.str("request-id", e.RequestID)
	k.str("client-request-id", e.ClientRequestID)
	k.str("date", e.Date)
	return k.finish(e.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the inner error.
func (e *PublicInnerError) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &e.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"code":              kiotaString(&e.Code, ad, "code"),
		"message":           kiotaString(&e.Message, ad, "message"),
		"target":            kiotaString(&e.Target, ad, "target"),
		"details":           detailsDeserializer(&e.Details, ad, "details"),
		"request-id":        kiotaString(&e.RequestID, ad, "request-id"),
		"client-request-id": kiotaString(&e.ClientRequestID, ad, "client-request-id"),
		"date":              kiotaString(&e.Date, ad, "date"),
	}
}

// GetAdditionalData returns the inner error's unknown properties.
func (e *PublicInnerError) GetAdditionalData() map[string]any { return e.AdditionalData }

// SetAdditionalData replaces the inner error's unknown properties.
func (e *PublicInnerError) SetAdditionalData(v map[string]any) { e.AdditionalData = v }
