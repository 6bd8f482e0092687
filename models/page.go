package models

// ProtectionUnitPage is one page of a protection-unit list: the units and,
// when more remain, the absolute @odata.nextLink to request (verbatim) for
// the next page.
//
// A decoded page's units share their allocations, 64 units to one: keeping
// a pointer to one unit keeps its 63 neighbours in memory. To keep a few
// units of a long listing, keep copies (cp := *u; keep(&cp)).
type ProtectionUnitPage struct {
	Value []*ProtectionUnit
	// NextLink is @odata.nextLink, or "" on the last page.
	NextLink string
	// Count is @odata.count, present only when the request asked for it
	// ($count=true) and usually only on the first page.
	Count *int64
	// ODataContext is @odata.context.
	ODataContext string
	// AdditionalData holds every other property of the page envelope.
	AdditionalData map[string]any
}

// SetCollectionKind records, on every unit of the page, the kind of the
// typed collection the page was read from (see
// ProtectionUnit.CollectionKind); KindUnknown clears it. A nil page or unit
// is skipped.
func (p *ProtectionUnitPage) SetCollectionKind(k UnitKind) {
	if p == nil {
		return
	}
	for _, u := range p.Value {
		if u != nil {
			u.CollectionKind = k
		}
	}
}
