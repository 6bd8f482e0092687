package models

import "strings"

// graphTypeName is an @odata.type value or a cast segment without its '#'
// and its namespace ("microsoft.graph." or the "graph." alias):
// "#microsoft.graph.siteProtectionUnit" → "siteProtectionUnit". A value in
// no Graph namespace gives "", which names no type.
func graphTypeName(t string) string {
	t = strings.TrimPrefix(t, "#")
	if rest, ok := strings.CutPrefix(t, "microsoft.graph."); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(t, "graph."); ok {
		return rest
	}
	return ""
}
