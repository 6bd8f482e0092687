package fake

import (
	"net/http"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// Collection names after /solutions/backupRestore.
const (
	collUnits   = "protectionUnits"
	collSite    = "siteProtectionUnits"
	collDrive   = "driveProtectionUnits"
	collMailbox = "mailboxProtectionUnits"
)

// unitCollection recognises a unit collection segment (any case): the
// base collection (kind models.KindUnknown) or a typed one.
func unitCollection(seg string) (models.UnitKind, string, bool) {
	for _, c := range [...]struct {
		name string
		kind models.UnitKind
	}{{collUnits, models.KindUnknown}, {collSite, models.KindSite}, {collDrive, models.KindDrive}, {collMailbox, models.KindMailbox}} {
		if strings.EqualFold(seg, c.name) {
			return c.kind, c.name, true
		}
	}
	return models.KindUnknown, "", false
}

// parseUnitTarget completes t for a path under a unit collection: segs and
// raw are the unescaped and escaped segments from the collection on,
// prefix the escaped path before them (after /v1.0).
//
//	{units}[/{cast}][/$count]                              GET
//	{units}/{id}[/{cast}]                                  GET
//	protectionUnits/{id}[/{cast}]/{offboard|cancelOffboard}  POST
//
// The typed collections are contained: v1.0 allows POST on them and PATCH
// and DELETE on their items, which the emulator does not serve (501);
// protectionUnits is read-only (405). The actions require explicit
// binding, which v1.0 gives them on protectionUnits only.
func parseUnitTarget(t target, method string, segs, raw []string, prefix string) target {
	t.kind, t.coll, _ = unitCollection(segs[0])
	contained := t.coll != collUnits
	prefix += "/" + raw[0]
	rest, rawRest := segs[1:], raw[1:]
	// An optional cast right after the collection makes it a typed list.
	cast := false
	if len(rest) > 0 {
		if k, canon, base, ok := parseCast(rest[0]); ok {
			if !t.castTo(k, canon, base) {
				t.err = badRequest("The type '" + canon + "' is not compatible with the collection '" + t.coll + "'.")
				return t
			}
			prefix += "/" + rawRest[0]
			rest, rawRest, cast = rest[1:], rawRest[1:], true
			if len(rest) > 0 && rest[0] != "$count" {
				t.err = segmentNotFound(rest[0])
				return t
			}
		}
	}
	if t.asCollection(RouteList, prefix, rest, method, contained && !cast) {
		return t
	}
	// A unit: …/{id}, …/{id}/cast, …/{id}[/cast]/action.
	t.id = rest[0]
	t.route = RouteGet
	if !validID(t.id) {
		t.err = invalidUnitID()
		return t
	}
	path := prefix + "/" + rawRest[0]
	rest = rest[1:]
	if len(rest) == 0 {
		v10 := []string{http.MethodGet}
		if contained {
			v10 = append(v10, http.MethodPatch, http.MethodDelete)
		}
		if t.err = methods(method, path, []string{http.MethodGet}, v10...); t.err != nil {
			t.route = RouteUnknown
		}
		return t
	}
	if k, canon, base, ok := parseCast(rest[0]); ok {
		if !t.castTo(k, canon, base) {
			t.err = badRequest("The type '" + canon + "' is not compatible with the collection '" + t.coll + "'.")
			return t
		}
		rest = rest[1:]
		if len(rest) == 0 {
			t.err = allow(method, http.MethodGet)
			return t
		}
	}
	if a := actionName(rest[0]); a != RouteUnknown && t.coll == collUnits && len(rest) == 1 {
		t.route = a
		t.err = allow(method, http.MethodPost)
		return t
	}
	t.route = RouteUnknown
	t.err = segmentNotFound(rest[0])
	return t
}

// parseCast recognises a type-cast segment ("microsoft.graph.X" or the
// "graph.X" alias) and returns its kind and canonical form. base is set for
// a cast to protectionUnitBase itself.
func parseCast(seg string) (k models.UnitKind, canonical string, base, ok bool) {
	name, found := cutPrefixFold(seg, "microsoft.graph.")
	if !found {
		name, found = cutPrefixFold(seg, "graph.")
	}
	if !found {
		return models.KindUnknown, "", false, false
	}
	for _, k := range unitKinds {
		if strings.EqualFold(name, unitTypeName(k)) {
			return k, "microsoft.graph." + unitTypeName(k), false, true
		}
	}
	if strings.EqualFold(name, "protectionUnitBase") {
		return models.KindUnknown, "microsoft.graph.protectionUnitBase", true, true
	}
	return models.KindUnknown, "", false, false
}

// cutPrefixFold is strings.CutPrefix, ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// actionName recognises an action segment, bare or namespace-qualified.
func actionName(seg string) Route {
	name, _ := cutPrefixFold(seg, "microsoft.graph.")
	name, _ = cutPrefixFold(name, "graph.")
	switch {
	case strings.EqualFold(name, "offboard"):
		return RouteOffboard
	case strings.EqualFold(name, "cancelOffboard"):
		return RouteCancelOffboard
	}
	return RouteUnknown
}

// invalidUnitID is the 400 for a unit ID that is empty or cannot be one.
func invalidUnitID() *graphError {
	return &graphError{status: http.StatusBadRequest, code: "InvalidProtectionUnitId", message: "The protection unit id is empty or invalid."}
}

// castTo narrows t to kind k through a cast segment; it reports false when
// the cast contradicts a typed collection.
func (t *target) castTo(k models.UnitKind, canonical string, base bool) bool {
	if base {
		return true
	}
	if t.kind != models.KindUnknown && t.kind != k {
		return false
	}
	if t.kind == models.KindUnknown {
		t.cast = canonical
	}
	t.kind = k
	return true
}
