package models

import "strconv"

// int32 writes a count. Zero is a meaningful count, so it is written too,
// unless AdditionalData holds the raw (malformed) value under the same key,
// which is then written instead.
func (w *jsonWriter) int32(k string, v int32, ad map[string]any) {
	if _, raw := ad[k]; v == 0 && raw {
		return
	}
	w.key(k)
	w.buf = strconv.AppendInt(w.buf, int64(v), 10)
}

func (w *jsonWriter) bool(k string, v *bool) {
	if v != nil {
		w.key(k)
		w.buf = strconv.AppendBool(w.buf, *v)
	}
}

// MarshalJSON writes the policy in Graph's wire form: empty strings, zero
// times and nil members are omitted, AdditionalData follows the declared
// properties (sorted by key). It fails only if an AdditionalData value
// cannot be marshalled by encoding/json.
func (p ProtectionPolicy) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("@odata.type", p.ODataType)
		w.str("id", p.ID)
		w.str("displayName", p.DisplayName)
		w.bool("isEnabled", p.IsEnabled)
		w.str("status", string(p.Status))
		if p.RetentionSettings != nil {
			w.value("retentionSettings", p.RetentionSettings)
		}
		if p.ProtectionPolicyArtifactCount != nil {
			w.value("protectionPolicyArtifactCount", p.ProtectionPolicyArtifactCount)
		}
		if p.CreatedBy != nil {
			w.value("createdBy", p.CreatedBy)
		}
		w.time("createdDateTime", p.CreatedDateTime)
		if p.LastModifiedBy != nil {
			w.value("lastModifiedBy", p.LastModifiedBy)
		}
		w.time("lastModifiedDateTime", p.LastModifiedDateTime)
		w.additional(p.AdditionalData)
	})
}

// MarshalJSON writes the retention setting; empty strings are omitted. It
// fails only if an AdditionalData value cannot be marshalled.
func (r RetentionSetting) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("interval", r.Interval)
		w.str("period", r.Period)
		w.additional(r.AdditionalData)
	})
}

// MarshalJSON writes the four counts (zeros included). It fails only if an
// AdditionalData value cannot be marshalled.
func (c ArtifactCount) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.int32("completed", c.Completed, c.AdditionalData)
		w.int32("failed", c.Failed, c.AdditionalData)
		w.int32("inProgress", c.InProgress, c.AdditionalData)
		w.int32("total", c.Total, c.AdditionalData)
		w.additional(c.AdditionalData)
	})
}

// MarshalJSON writes the page envelope. It fails only if an AdditionalData
// value cannot be marshalled.
func (p ProtectionPolicyPage) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("@odata.context", p.ODataContext)
		if p.Count != nil {
			w.key("@odata.count")
			w.buf = strconv.AppendInt(w.buf, *p.Count, 10)
		}
		w.str("@odata.nextLink", p.NextLink)
		w.value("value", p.Value)
		w.additional(p.AdditionalData)
	})
}

// MarshalJSON writes the service status; empty strings, zero times and nil
// members are omitted. It fails only if an AdditionalData value cannot be
// marshalled.
func (s ServiceStatus) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("status", string(s.Status))
		w.str("disableReason", string(s.DisableReason))
		w.str("backupServiceConsumer", string(s.BackupServiceConsumer))
		w.time("gracePeriodDateTime", s.GracePeriodDateTime)
		w.time("restoreAllowedTillDateTime", s.RestoreAllowedTillDateTime)
		w.time("lastModifiedDateTime", s.LastModifiedDateTime)
		if s.LastModifiedBy != nil {
			w.value("lastModifiedBy", s.LastModifiedBy)
		}
		w.additional(s.AdditionalData)
	})
}

// MarshalJSON writes the root entity. It fails only if an AdditionalData
// value cannot be marshalled.
func (r BackupRestoreRoot) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("id", r.ID)
		if r.ServiceStatus != nil {
			w.value("serviceStatus", r.ServiceStatus)
		}
		w.additional(r.AdditionalData)
	})
}
