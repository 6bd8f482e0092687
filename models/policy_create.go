package models

// NewSharePointPolicy returns the body of a request that creates a
// SharePoint protection policy named name protecting the given sites (IDs
// of the form "host,siteCollectionGuid,webGuid"): ODataType set, the units
// in AdditionalData under "siteProtectionUnits" as [{"siteId": …}], which
// is also how Kiota serializes it.
func NewSharePointPolicy(name string, siteIDs ...string) *ProtectionPolicy {
	return newPolicyToCreate(PolicyKindSharePoint, name, "siteId", siteIDs)
}

// NewOneDrivePolicy returns the body of a request that creates a OneDrive
// for Business protection policy named name protecting the accounts with
// the given directory object IDs (see NewSharePointPolicy).
func NewOneDrivePolicy(name string, directoryObjectIDs ...string) *ProtectionPolicy {
	return newPolicyToCreate(PolicyKindOneDrive, name, "directoryObjectId", directoryObjectIDs)
}

// NewExchangePolicy returns the body of a request that creates an Exchange
// protection policy named name protecting the mailboxes with the given
// directory object IDs (see NewSharePointPolicy).
func NewExchangePolicy(name string, directoryObjectIDs ...string) *ProtectionPolicy {
	return newPolicyToCreate(PolicyKindExchange, name, "directoryObjectId", directoryObjectIDs)
}

func newPolicyToCreate(k PolicyKind, name, key string, ids []string) *ProtectionPolicy {
	units := make([]any, len(ids))
	for i, id := range ids {
		units[i] = map[string]any{key: id}
	}
	return &ProtectionPolicy{
		DisplayName:    name,
		ODataType:      k.ODataType(),
		AdditionalData: map[string]any{k.UnitsSegment(): units},
	}
}

// ArtifactKey returns the key that names an artifact in a unit to add:
// "siteId" for SharePoint, "directoryObjectId" for OneDrive and Exchange,
// "" for PolicyKindUnknown.
func (k PolicyKind) ArtifactKey() string {
	switch k {
	case PolicyKindSharePoint:
		return "siteId"
	case PolicyKindOneDrive, PolicyKindExchange:
		return "directoryObjectId"
	}
	return ""
}

// UnitsToCreate returns the artifact IDs (site IDs or directory object IDs)
// of the units a policy to create names under its kind's units key in
// AdditionalData, as NewSharePointPolicy and its siblings put them, and
// whether that member is well formed (an array of objects, each with the
// kind's artifact key as a string). A policy without the member names none.
func (p *ProtectionPolicy) UnitsToCreate() (ids []string, ok bool) {
	k := p.Kind()
	if p == nil || k == PolicyKindUnknown {
		return nil, true
	}
	raw, present := p.AdditionalData[k.UnitsSegment()]
	if !present || raw == nil {
		return nil, true
	}
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case []map[string]any:
		for _, m := range v {
			items = append(items, m)
		}
	default:
		return nil, false
	}
	key := k.ArtifactKey()
	for _, it := range items {
		m, isMap := it.(map[string]any)
		if !isMap {
			return nil, false
		}
		id, isString := m[key].(string)
		if !isString {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
