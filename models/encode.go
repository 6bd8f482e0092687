package models

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/m365kit/backuprestore/internal/jsonlex"
)

// jsonWriter appends an object's members, remembering which keys it wrote so
// AdditionalData never duplicates a declared property.
type jsonWriter struct {
	buf     []byte
	written []string
	err     error
}

func (w *jsonWriter) key(k string) {
	if len(w.written) > 0 {
		w.buf = append(w.buf, ',')
	}
	w.written = append(w.written, k)
	w.buf = jsonlex.AppendString(w.buf, k)
	w.buf = append(w.buf, ':')
}

func (w *jsonWriter) str(k, v string) {
	if v != "" {
		w.key(k)
		w.buf = jsonlex.AppendString(w.buf, v)
	}
}

func (w *jsonWriter) time(k string, t time.Time) {
	if !t.IsZero() {
		w.str(k, formatTimestamp(t))
	}
}

func (w *jsonWriter) raw(k string, v []byte, err error) {
	if err != nil {
		w.err = err
		return
	}
	w.key(k)
	w.buf = append(w.buf, v...)
}

func (w *jsonWriter) value(k string, v any) {
	b, err := json.Marshal(v)
	w.raw(k, b, err)
}

func (w *jsonWriter) additional(ad map[string]any) {
	keys := make([]string, 0, len(ad))
	for k := range ad {
		if !slices.Contains(w.written, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.value(k, ad[k])
	}
}

func (w *jsonWriter) object(build func(w *jsonWriter)) ([]byte, error) {
	w.buf = append(w.buf, '{')
	build(w)
	w.buf = append(w.buf, '}')
	return w.buf, w.err
}

// MarshalJSON writes the unit in Graph's wire form: empty strings, zero times
// and nil members are omitted, AdditionalData follows the declared properties
// (sorted by key). It fails only if an AdditionalData value cannot be
// marshalled by encoding/json.
func (u ProtectionUnit) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("@odata.type", u.ODataType)
		w.str("id", u.ID)
		w.str("siteId", u.SiteID)
		w.str("siteName", u.SiteName)
		w.str("siteWebUrl", u.SiteWebURL)
		w.str("directoryObjectId", u.DirectoryObjectID)
		w.str("displayName", u.DisplayName)
		w.str("email", u.Email)
		w.str("policyId", u.PolicyID)
		w.str("status", string(u.Status))
		w.str("protectionSources", u.ProtectionSources.String())
		if u.CreatedBy != nil {
			w.value("createdBy", u.CreatedBy)
		}
		w.time("createdDateTime", u.CreatedDateTime)
		if u.LastModifiedBy != nil {
			w.value("lastModifiedBy", u.LastModifiedBy)
		}
		w.time("lastModifiedDateTime", u.LastModifiedDateTime)
		if u.Error != nil {
			w.value("error", u.Error)
		}
		w.time("offboardRequestedDateTime", u.OffboardRequestedDateTime)
		w.additional(u.AdditionalData)
	})
}

// MarshalJSON writes the identity set; nil members are omitted.
func (s IdentitySet) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		for _, m := range []struct {
			k  string
			id *Identity
		}{{"application", s.Application}, {"device", s.Device}, {"user", s.User}} {
			if m.id != nil {
				w.value(m.k, m.id)
			}
		}
		w.additional(s.AdditionalData)
	})
}

// MarshalJSON writes the identity; empty strings are omitted.
func (i Identity) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("id", i.ID)
		w.str("displayName", i.DisplayName)
		w.str("email", i.Email)
		w.additional(i.AdditionalData)
	})
}

// MarshalJSON writes the error; empty strings and nil members are omitted.
func (e PublicError) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("code", e.Code)
		w.str("message", e.Message)
		w.str("target", e.Target)
		if e.Details != nil {
			w.value("details", e.Details)
		}
		if e.InnerError != nil {
			w.value("innerError", e.InnerError)
		}
		w.additional(e.AdditionalData)
	})
}

// MarshalJSON writes the detail; empty strings are omitted.
func (d PublicErrorDetail) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("code", d.Code)
		w.str("message", d.Message)
		w.str("target", d.Target)
		w.additional(d.AdditionalData)
	})
}

// MarshalJSON writes the inner error; empty strings are omitted.
func (e PublicInnerError) MarshalJSON() ([]byte, error) {
	w := &jsonWriter{}
	return w.object(func(w *jsonWriter) {
		w.str("code", e.Code)
		w.str("message", e.Message)
		w.str("target", e.Target)
		if e.Details != nil {
			w.value("details", e.Details)
		}
		w.str("request-id", e.RequestID)
		w.str("client-request-id", e.ClientRequestID)
		w.str("date", e.Date)
		w.additional(e.AdditionalData)
	})
}

// MarshalJSON writes the page envelope.
func (p ProtectionUnitPage) MarshalJSON() ([]byte, error) {
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
