package models

import "strings"

// ProtectionSource is one member of the protectionSource flags enum: how a
// unit came to be protected.
type ProtectionSource string

// The members of protectionSource.
const (
	SourceNone               ProtectionSource = "none"
	SourceManual             ProtectionSource = "manual"
	SourceDynamicRule        ProtectionSource = "dynamicRule"
	SourceUnknownFutureValue ProtectionSource = "unknownFutureValue"
)

// ProtectionSources is the set of flags carried by protectionSources, parsed
// from its comma-separated wire form ("manual,dynamicRule"). Members keep
// the order they arrived in; duplicates are dropped and unknown members are
// kept verbatim. The zero value is the empty set (the property was absent).
type ProtectionSources []ProtectionSource

// ParseProtectionSources parses the comma-separated flags string. Blanks
// around members are tolerated ("manual, dynamicRule"), empty members are
// ignored, and matching is exact for known members. It never fails.
func ParseProtectionSources(s string) ProtectionSources {
	if s == "" {
		return nil
	}
	var out ProtectionSources
	for part := range strings.SplitSeq(s, ",") {
		m := ProtectionSource(strings.TrimSpace(part))
		if m == "" || out.Has(m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// Has reports whether m is in the set.
func (p ProtectionSources) Has(m ProtectionSource) bool {
	for _, x := range p {
		if x == m {
			return true
		}
	}
	return false
}

// String returns the wire form: members joined by commas, no spaces.
func (p ProtectionSources) String() string {
	switch len(p) {
	case 0:
		return ""
	case 1:
		return string(p[0])
	}
	var b strings.Builder
	for i, m := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(m))
	}
	return b.String()
}
