package conformance_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/internal/conformance"
	"github.com/m365kit/backuprestore/models"
)

// codec decodes a JSON object into a model and encodes the model back.
type codec struct {
	decode func([]byte) (any, error)
}

// modelled maps the schema's types to the models that hold them. The
// nested types (identitySet, identity, publicError, publicErrorDetail,
// publicInnerError, retentionSetting, protectionPolicyArtifactCount,
// serviceStatus) are reached through these.
var modelled = map[string]codec{
	"microsoft.graph.siteProtectionUnit":                    {decodeInto[models.ProtectionUnit]},
	"microsoft.graph.driveProtectionUnit":                   {decodeInto[models.ProtectionUnit]},
	"microsoft.graph.mailboxProtectionUnit":                 {decodeInto[models.ProtectionUnit]},
	"microsoft.graph.sharePointProtectionPolicy":            {decodeInto[models.ProtectionPolicy]},
	"microsoft.graph.oneDriveForBusinessProtectionPolicy":   {decodeInto[models.ProtectionPolicy]},
	"microsoft.graph.exchangeProtectionPolicy":              {decodeInto[models.ProtectionPolicy]},
	"microsoft.graph.backupRestoreRoot":                     {decodeInto[models.BackupRestoreRoot]},
	"microsoft.graph.siteProtectionRule":                    {decodeInto[models.ProtectionRule]},
	"microsoft.graph.driveProtectionRule":                   {decodeInto[models.ProtectionRule]},
	"microsoft.graph.mailboxProtectionRule":                 {decodeInto[models.ProtectionRule]},
	"microsoft.graph.siteProtectionUnitsBulkAdditionJob":    {decodeInto[models.BulkAdditionJob]},
	"microsoft.graph.driveProtectionUnitsBulkAdditionJob":   {decodeInto[models.BulkAdditionJob]},
	"microsoft.graph.mailboxProtectionUnitsBulkAdditionJob": {decodeInto[models.BulkAdditionJob]},
}

// decodeInto decodes JSON into a new T with its UnmarshalJSON.
func decodeInto[T any](b []byte) (any, error) {
	v := new(T)
	err := json.Unmarshal(b, v)
	return v, err
}

// pageOnly are the members the serviceStatus page lists and the v1.0
// schema does not (see models.DisableReason, models.BackupServiceConsumer).
var pageOnly = map[string][]string{
	"microsoft.graph.disableReason":         {"controllerServiceAppDeleted"},
	"microsoft.graph.backupServiceConsumer": {"none"},
}

// knownMembers maps the schema's enums that the models type to their
// known members.
func knownMembers() map[string][]string {
	str := func(vs ...string) []string { return vs }
	out := map[string][]string{}
	for _, s := range models.KnownStatuses() {
		out["microsoft.graph.protectionUnitStatus"] = append(out["microsoft.graph.protectionUnitStatus"], string(s))
	}
	for _, s := range models.KnownPolicyStatuses() {
		out["microsoft.graph.protectionPolicyStatus"] = append(out["microsoft.graph.protectionPolicyStatus"], string(s))
	}
	for _, s := range models.KnownServiceStatuses() {
		out["microsoft.graph.backupServiceStatus"] = append(out["microsoft.graph.backupServiceStatus"], string(s))
	}
	for _, s := range models.KnownDisableReasons() {
		out["microsoft.graph.disableReason"] = append(out["microsoft.graph.disableReason"], string(s))
	}
	for _, s := range models.KnownBackupServiceConsumers() {
		out["microsoft.graph.backupServiceConsumer"] = append(out["microsoft.graph.backupServiceConsumer"], string(s))
	}
	for _, st := range models.KnownRuleStatuses() {
		out["microsoft.graph.protectionRuleStatus"] = append(out["microsoft.graph.protectionRuleStatus"], string(st))
	}
	for _, st := range models.KnownJobStatuses() {
		out["microsoft.graph.protectionUnitsBulkJobStatus"] = append(out["microsoft.graph.protectionUnitsBulkJobStatus"], string(st))
	}
	out["microsoft.graph.protectionSource"] = str(string(models.SourceNone), string(models.SourceManual), string(models.SourceDynamicRule),
		string(models.SourceUnknownFutureValue))
	return out
}

// sample builds a value of every property of type typ, nested types
// included (depth-limited), for a model to decode.
func sample(s *conformance.Schema, typ string, depth int) any {
	switch {
	case conformance.IsPrimitive(typ):
		switch typ {
		case "Edm.Boolean":
			return true
		case "Edm.Int32", "Edm.Int64", "Edm.Int16":
			return 7
		case "Edm.DateTimeOffset":
			return "2026-01-02T03:04:05Z"
		case "Edm.Duration":
			return "P2W"
		}
		return "x-" + strings.TrimPrefix(typ, "Edm.")
	case s.Enums[typ] != nil:
		return s.Enums[typ].Members[0].Name
	}
	t := s.Types[typ]
	obj := map[string]any{}
	if depth > 3 {
		return obj
	}
	if t.Entity {
		obj["@odata.type"] = "#" + typ
	}
	for _, p := range s.AllProperties(t) {
		v := sample(s, p.Type, depth+1)
		if p.Collection {
			v = []any{v}
		}
		obj[p.Name] = v
	}
	return obj
}

// leftovers returns the paths of every non-empty AdditionalData in v: the
// properties a model did not recognise.
func leftovers(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return leftovers(v.Elem(), path)
	case reflect.Slice:
		var out []string
		for i := range v.Len() {
			out = append(out, leftovers(v.Index(i), path+"[]")...)
		}
		return out
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "AdditionalData" {
				for _, k := range v.Field(i).MapKeys() {
					if !strings.HasPrefix(k.String(), "@") {
						out = append(out, path+"."+k.String())
					}
				}
				continue
			}
			out = append(out, leftovers(v.Field(i), path+"."+f.Name)...)
		}
		return out
	}
	return nil
}

// keysOf returns the JSON member paths of a decoded value.
func keysOf(v any, path string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out[path+"."+k] = true
			keysOf(e, path+"."+k, out)
		}
	case []any:
		for _, e := range x {
			keysOf(e, path+"[]", out)
		}
	}
}

// Every property of every type the models hold (the units', the
// policies', the root's and every type nested in them) is modelled: a
// sample with all of them decodes with nothing left in any AdditionalData,
// and encodes back with every member; every member of every enum they type
// has a constant, and those constants beyond the schema are only the
// serviceStatus page's.
func TestEveryPropertyAndMemberIsModelled(t *testing.T) {
	t.Parallel()
	_, s := excerpt(t)
	types := map[string]bool{}
	var walk func(typ string)
	walk = func(typ string) {
		st := s.Types[typ]
		if st == nil || types[typ] {
			return
		}
		types[typ] = true
		for _, b := range s.BaseChain(st) {
			types[b.Name] = true
		}
		for _, p := range s.AllProperties(st) {
			walk(p.Type)
		}
	}
	for typ := range modelled {
		walk(typ)
	}
	props := 0
	for typ := range types {
		props += len(s.Types[typ].Properties)
	}
	for typ, c := range modelled {
		in := sample(s, typ, 0)
		b, err := json.Marshal(in)
		require.NoError(t, err)
		m, err := c.decode(b)
		require.NoError(t, err, typ)
		require.Empty(t, leftovers(reflect.ValueOf(m), typ), "%s: properties the model does not hold (they landed in AdditionalData)", typ)
		out, err := json.Marshal(m)
		require.NoError(t, err, typ)
		var back any
		require.NoError(t, json.Unmarshal(out, &back))
		want, got := map[string]bool{}, map[string]bool{}
		keysOf(in, "", want)
		keysOf(back, "", got)
		for k := range want {
			require.True(t, got[k], "%s: %s is lost when the model is encoded again: %s", typ, k, out)
		}
	}

	enums := map[string]bool{}
	for typ := range types {
		for _, p := range s.Types[typ].Properties {
			if s.Enums[p.Type] != nil {
				enums[p.Type] = true
			}
		}
	}
	known := knownMembers()
	members := 0
	for e := range enums {
		typed := known[e]
		require.NotNil(t, typed, "%s has no typed members in models", e)
		var schema []string
		for _, m := range s.Enums[e].Members {
			schema = append(schema, m.Name)
			members++
			require.Contains(t, typed, m.Name, "%s member %s has no constant in models", e, m.Name)
		}
		for _, m := range typed {
			if !slices.Contains(schema, m) {
				require.Contains(t, pageOnly[e], m, "models' %s member %s is in neither the schema nor the serviceStatus page", e, m)
			}
		}
	}
	t.Logf("modelled: %d types (%d modelled as root models), %d properties, %d enum types with %d members", len(types), len(modelled), props, len(enums), members)
}
