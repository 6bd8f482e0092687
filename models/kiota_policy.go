package models

import (
	"github.com/microsoft/kiota-abstractions-go/serialization"
)

// Compile-time proof that the policy and service-status models are Kiota
// Parsables and AdditionalDataHolders.
var (
	_ serialization.Parsable             = (*ProtectionPolicy)(nil)
	_ serialization.AdditionalDataHolder = (*ProtectionPolicy)(nil)
	_ serialization.Parsable             = (*ProtectionPolicyPage)(nil)
	_ serialization.AdditionalDataHolder = (*ProtectionPolicyPage)(nil)
	_ serialization.Parsable             = (*RetentionSetting)(nil)
	_ serialization.AdditionalDataHolder = (*RetentionSetting)(nil)
	_ serialization.Parsable             = (*ArtifactCount)(nil)
	_ serialization.AdditionalDataHolder = (*ArtifactCount)(nil)
	_ serialization.Parsable             = (*ServiceStatus)(nil)
	_ serialization.AdditionalDataHolder = (*ServiceStatus)(nil)
	_ serialization.Parsable             = (*BackupRestoreRoot)(nil)
	_ serialization.AdditionalDataHolder = (*BackupRestoreRoot)(nil)
)

// CreateProtectionPolicyFromDiscriminatorValue is the Kiota ParsableFactory
// for ProtectionPolicy. One struct covers the three derived types, so the
// discriminator (@odata.type) only lands in ProtectionPolicy.ODataType. It
// never fails.
func CreateProtectionPolicyFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ProtectionPolicy{}, nil
}

// CreateProtectionPolicyPageFromDiscriminatorValue is the Kiota
// ParsableFactory for ProtectionPolicyPage. It never fails.
func CreateProtectionPolicyPageFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ProtectionPolicyPage{}, nil
}

// CreateRetentionSettingFromDiscriminatorValue is the Kiota ParsableFactory
// for RetentionSetting. It never fails.
func CreateRetentionSettingFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &RetentionSetting{}, nil
}

// CreateArtifactCountFromDiscriminatorValue is the Kiota ParsableFactory for
// ArtifactCount. It never fails.
func CreateArtifactCountFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ArtifactCount{}, nil
}

// CreateServiceStatusFromDiscriminatorValue is the Kiota ParsableFactory for
// ServiceStatus. It never fails.
func CreateServiceStatusFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &ServiceStatus{}, nil
}

// CreateBackupRestoreRootFromDiscriminatorValue is the Kiota ParsableFactory
// for BackupRestoreRoot (the body of GET /solutions/backupRestore). It never
// fails.
func CreateBackupRestoreRootFromDiscriminatorValue(n serialization.ParseNode) (serialization.Parsable, error) {
	normalizeAfterParse(n)
	return &BackupRestoreRoot{}, nil
}

// kiotaProbe is a Parsable without properties, used only to ask a parse
// node whether it holds an array.
type kiotaProbe struct{}

func (kiotaProbe) Serialize(serialization.SerializationWriter) error { return nil }
func (kiotaProbe) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	return nil
}

// kiotaIsObjectOrNull reports whether n holds a JSON object or null, using
// only the ParseNode interface: Kiota's parse node turns any scalar into an
// empty object, so the scalar kinds and arrays are ruled out first.
func kiotaIsObjectOrNull(n serialization.ParseNode) bool {
	if n == nil {
		return true
	}
	if v, err := n.GetStringValue(); err == nil && v != nil {
		return false
	}
	if v, err := n.GetBoolValue(); err == nil && v != nil {
		return false
	}
	if v, err := n.GetFloat64Value(); err == nil && v != nil {
		return false
	}
	if v, err := n.GetCollectionOfObjectValues(func(serialization.ParseNode) (serialization.Parsable, error) {
		return kiotaProbe{}, nil
	}); err == nil && v != nil {
		return false
	}
	return true
}

// kiotaArrayOfObjects reports whether n holds an array whose every element
// is an object (isArray), or null (isNull).
func kiotaArrayOfObjects(n serialization.ParseNode) (isArray, isNull bool, err error) {
	raw, err := n.GetRawValue()
	if err != nil {
		return false, false, err
	}
	if raw == nil {
		return false, true, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return false, false, nil
	}
	for _, it := range items {
		if _, ok := it.(map[string]any); !ok {
			return false, false, nil
		}
	}
	return true, false, nil
}

func kiotaBool(dst **bool, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		v, err := n.GetBoolValue()
		if err != nil {
			return keepRaw(n, ad, key)
		}
		*dst = v
		return nil
	}
}

func kiotaInt32(dst *int32, ad *map[string]any, key string) func(serialization.ParseNode) error {
	return func(n serialization.ParseNode) error {
		v, err := n.GetInt32Value()
		if err != nil {
			return keepRaw(n, ad, key)
		}
		if v != nil {
			*dst = *v
		}
		return nil
	}
}

// int32 writes a count like jsonWriter.int32: zeros too, unless
// AdditionalData holds the raw value under the same key.
func (k *kiotaWriter) int32(key string, v int32, ad map[string]any) {
	if _, raw := ad[key]; (v == 0 && raw) || k.err != nil {
		return
	}
	k.written[key] = true
	k.err = k.w.WriteInt32Value(key, &v)
}

// Serialize writes the policy with a Kiota SerializationWriter, in the same
// form as MarshalJSON. It fails only if the writer fails.
func (p *ProtectionPolicy) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.type", p.ODataType)
	k.str("id", p.ID)
	k.str("displayName", p.DisplayName)
	if p.IsEnabled != nil && k.err == nil {
		k.written["isEnabled"] = true
		k.err = w.WriteBoolValue("isEnabled", p.IsEnabled)
	}
	k.str("status", string(p.Status))
	if p.RetentionSettings != nil && k.err == nil {
		items := make([]serialization.Parsable, len(p.RetentionSettings))
		for i := range p.RetentionSettings {
			items[i] = &p.RetentionSettings[i]
		}
		k.written["retentionSettings"] = true
		k.err = w.WriteCollectionOfObjectValues("retentionSettings", items)
	}
	k.object("protectionPolicyArtifactCount", p.ProtectionPolicyArtifactCount, p.ProtectionPolicyArtifactCount == nil)
	k.object("createdBy", p.CreatedBy, p.CreatedBy == nil)
	k.time("createdDateTime", p.CreatedDateTime)
	k.object("lastModifiedBy", p.LastModifiedBy, p.LastModifiedBy == nil)
	k.time("lastModifiedDateTime", p.LastModifiedDateTime)
	return k.finish(p.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the policy.
// Like UnmarshalJSON, a value of the wrong JSON type or a malformed
// timestamp is kept in AdditionalData instead of failing.
func (p *ProtectionPolicy) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &p.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"@odata.type": kiotaString(&p.ODataType, ad, "@odata.type"),
		"id":          kiotaString(&p.ID, ad, "id"),
		"displayName": kiotaString(&p.DisplayName, ad, "displayName"),
		"status": func(n serialization.ParseNode) error {
			var s string
			err := kiotaString(&s, ad, "status")(n)
			p.Status = ProtectionPolicyStatus(s)
			return err
		},
		"isEnabled": kiotaBool(&p.IsEnabled, ad, "isEnabled"),
		"retentionSettings": func(n serialization.ParseNode) error {
			isArray, isNull, err := kiotaArrayOfObjects(n)
			if err != nil || isNull {
				return err
			}
			if !isArray {
				return keepRaw(n, ad, "retentionSettings")
			}
			items, err := n.GetCollectionOfObjectValues(CreateRetentionSettingFromDiscriminatorValue)
			if err != nil {
				return keepRaw(n, ad, "retentionSettings")
			}
			out := make([]RetentionSetting, 0, len(items))
			for _, it := range items {
				if r, ok := it.(*RetentionSetting); ok {
					out = append(out, *r)
				}
			}
			p.RetentionSettings = out
			return nil
		},
		"protectionPolicyArtifactCount": kiotaObject(&p.ProtectionPolicyArtifactCount, CreateArtifactCountFromDiscriminatorValue, ad, "protectionPolicyArtifactCount"),
		"createdBy":                     kiotaObject(&p.CreatedBy, CreateIdentitySetFromDiscriminatorValue, ad, "createdBy"),
		"lastModifiedBy":                kiotaObject(&p.LastModifiedBy, CreateIdentitySetFromDiscriminatorValue, ad, "lastModifiedBy"),
		"createdDateTime":               kiotaTime(&p.CreatedDateTime, ad, "createdDateTime"),
		"lastModifiedDateTime":          kiotaTime(&p.LastModifiedDateTime, ad, "lastModifiedDateTime"),
	}
}

// GetAdditionalData returns the policy's unknown properties.
func (p *ProtectionPolicy) GetAdditionalData() map[string]any { return p.AdditionalData }

// SetAdditionalData replaces the policy's unknown properties.
func (p *ProtectionPolicy) SetAdditionalData(v map[string]any) { p.AdditionalData = v }

// Serialize writes the retention setting with a Kiota SerializationWriter.
// It fails only if the writer fails.
func (r *RetentionSetting) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("interval", r.Interval)
	k.str("period", r.Period)
	return k.finish(r.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the
// retention setting. Period is read as text (kept verbatim), not with the
// parse node's ISO-duration reader.
func (r *RetentionSetting) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &r.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"interval": kiotaString(&r.Interval, ad, "interval"),
		"period":   kiotaString(&r.Period, ad, "period"),
	}
}

// GetAdditionalData returns the retention setting's unknown properties.
func (r *RetentionSetting) GetAdditionalData() map[string]any { return r.AdditionalData }

// SetAdditionalData replaces the retention setting's unknown properties.
func (r *RetentionSetting) SetAdditionalData(v map[string]any) { r.AdditionalData = v }

// Serialize writes the counts with a Kiota SerializationWriter, in the same
// form as MarshalJSON. It fails only if the writer fails.
func (c *ArtifactCount) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.int32("completed", c.Completed, c.AdditionalData)
	k.int32("failed", c.Failed, c.AdditionalData)
	k.int32("inProgress", c.InProgress, c.AdditionalData)
	k.int32("total", c.Total, c.AdditionalData)
	return k.finish(c.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the counts;
// a member that is not a 32-bit integer is kept in AdditionalData.
func (c *ArtifactCount) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &c.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"completed":  kiotaInt32(&c.Completed, ad, "completed"),
		"failed":     kiotaInt32(&c.Failed, ad, "failed"),
		"inProgress": kiotaInt32(&c.InProgress, ad, "inProgress"),
		"total":      kiotaInt32(&c.Total, ad, "total"),
	}
}

// GetAdditionalData returns the counts' unknown properties.
func (c *ArtifactCount) GetAdditionalData() map[string]any { return c.AdditionalData }

// SetAdditionalData replaces the counts' unknown properties.
func (c *ArtifactCount) SetAdditionalData(v map[string]any) { c.AdditionalData = v }

// Serialize writes the page envelope with a Kiota SerializationWriter. It
// fails only if the writer fails.
func (pg *ProtectionPolicyPage) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("@odata.context", pg.ODataContext)
	if pg.Count != nil && k.err == nil {
		k.written["@odata.count"] = true
		k.err = w.WriteInt64Value("@odata.count", pg.Count)
	}
	k.str("@odata.nextLink", pg.NextLink)
	if k.err == nil {
		items := make([]serialization.Parsable, len(pg.Value))
		for i, p := range pg.Value {
			items[i] = p
		}
		k.written["value"] = true
		k.err = w.WriteCollectionOfObjectValues("value", items)
	}
	return k.finish(pg.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the page.
func (pg *ProtectionPolicyPage) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &pg.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"@odata.context":  kiotaString(&pg.ODataContext, ad, "@odata.context"),
		"@odata.nextLink": kiotaString(&pg.NextLink, ad, "@odata.nextLink"),
		"@odata.count": func(n serialization.ParseNode) error {
			v, err := n.GetInt64Value()
			if err != nil {
				return keepRaw(n, ad, "@odata.count")
			}
			pg.Count = v
			return nil
		},
		"value": func(n serialization.ParseNode) error {
			items, err := n.GetCollectionOfObjectValues(CreateProtectionPolicyFromDiscriminatorValue)
			if err != nil {
				return err
			}
			if items == nil {
				return nil
			}
			pg.Value = make([]*ProtectionPolicy, 0, len(items))
			for _, it := range items {
				if p, ok := it.(*ProtectionPolicy); ok {
					pg.Value = append(pg.Value, p)
				}
			}
			return nil
		},
	}
}

// GetAdditionalData returns the page's unknown properties.
func (pg *ProtectionPolicyPage) GetAdditionalData() map[string]any { return pg.AdditionalData }

// SetAdditionalData replaces the page's unknown properties.
func (pg *ProtectionPolicyPage) SetAdditionalData(v map[string]any) { pg.AdditionalData = v }

// Serialize writes the service status with a Kiota SerializationWriter, in
// the same form as MarshalJSON. It fails only if the writer fails.
func (s *ServiceStatus) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("status", string(s.Status))
	k.str("disableReason", string(s.DisableReason))
	k.str("backupServiceConsumer", string(s.BackupServiceConsumer))
	k.time("gracePeriodDateTime", s.GracePeriodDateTime)
	k.time("restoreAllowedTillDateTime", s.RestoreAllowedTillDateTime)
	k.time("lastModifiedDateTime", s.LastModifiedDateTime)
	k.object("lastModifiedBy", s.LastModifiedBy, s.LastModifiedBy == nil)
	return k.finish(s.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the service
// status. Like UnmarshalJSON, a value of the wrong JSON type or a malformed
// timestamp is kept in AdditionalData instead of failing.
func (s *ServiceStatus) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &s.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"status": func(n serialization.ParseNode) error {
			var v string
			err := kiotaString(&v, ad, "status")(n)
			s.Status = BackupServiceStatus(v)
			return err
		},
		"disableReason": func(n serialization.ParseNode) error {
			var v string
			err := kiotaString(&v, ad, "disableReason")(n)
			s.DisableReason = DisableReason(v)
			return err
		},
		"backupServiceConsumer": func(n serialization.ParseNode) error {
			var v string
			err := kiotaString(&v, ad, "backupServiceConsumer")(n)
			s.BackupServiceConsumer = BackupServiceConsumer(v)
			return err
		},
		"gracePeriodDateTime":        kiotaTime(&s.GracePeriodDateTime, ad, "gracePeriodDateTime"),
		"restoreAllowedTillDateTime": kiotaTime(&s.RestoreAllowedTillDateTime, ad, "restoreAllowedTillDateTime"),
		"lastModifiedDateTime":       kiotaTime(&s.LastModifiedDateTime, ad, "lastModifiedDateTime"),
		"lastModifiedBy":             kiotaObject(&s.LastModifiedBy, CreateIdentitySetFromDiscriminatorValue, ad, "lastModifiedBy"),
	}
}

// GetAdditionalData returns the service status's unknown properties.
func (s *ServiceStatus) GetAdditionalData() map[string]any { return s.AdditionalData }

// SetAdditionalData replaces the service status's unknown properties.
func (s *ServiceStatus) SetAdditionalData(v map[string]any) { s.AdditionalData = v }

// Serialize writes the root entity with a Kiota SerializationWriter. It
// fails only if the writer fails.
func (r *BackupRestoreRoot) Serialize(w serialization.SerializationWriter) error {
	k := newKiotaWriter(w)
	k.str("id", r.ID)
	k.object("serviceStatus", r.ServiceStatus, r.ServiceStatus == nil)
	return k.finish(r.AdditionalData)
}

// GetFieldDeserializers returns Kiota's field deserializers for the root
// entity.
func (r *BackupRestoreRoot) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	ad := &r.AdditionalData
	return map[string]func(serialization.ParseNode) error{
		"id":            kiotaString(&r.ID, ad, "id"),
		"serviceStatus": kiotaObject(&r.ServiceStatus, CreateServiceStatusFromDiscriminatorValue, ad, "serviceStatus"),
	}
}

// GetAdditionalData returns the root entity's unknown properties.
func (r *BackupRestoreRoot) GetAdditionalData() map[string]any { return r.AdditionalData }

// SetAdditionalData replaces the root entity's unknown properties.
func (r *BackupRestoreRoot) SetAdditionalData(v map[string]any) { r.AdditionalData = v }
