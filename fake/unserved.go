package fake

import (
	"net/http"
	"slices"
	"strings"
)

// What v1.0 has under /solutions/backupRestore and the emulator does not
// serve answers 501 Not Implemented with code notSupported and a message
// saying so, never the "Resource not found for the segment" a typo gets;
// a method v1.0 does not allow on the path is still a 405. The tables
// below are the v1.0 schema's (internal/conformance checks them against
// Microsoft's metadata): the root's navigations and operations, and under
// a policy the navigations and operations of its type. Methods follow
// OData's conventions: a collection that is contained or bound to one
// takes GET and POST, its items GET, PATCH and DELETE; $count and casts
// are GET; an action is POST.

// unservedNav is a navigation of v1.0 the emulator does not serve.
type unservedNav struct {
	// collection is set for a collection; a single-valued navigation
	// (emailNotificationsSetting) takes GET, PATCH and DELETE.
	collection bool
	// collectionActions are the actions bound to the collection (POST
	// …/name).
	collectionActions []string
}

// unservedRootNavs are the navigations of backupRestoreRoot the emulator
// does not serve (every one is contained), by lower-case name.
var unservedRootNavs = map[string]unservedNav{
	"browsesessions":                     {collection: true},
	"emailnotificationssetting":          {},
	"exchangerestoresessions":            {collection: true},
	"onedriveforbusinessbrowsesessions":  {collection: true},
	"onedriveforbusinessrestoresessions": {collection: true},
	"restorepoints":                      {collection: true, collectionActions: []string{"search"}},
	"restoresessions":                    {collection: true},
	"serviceapps":                        {collection: true},
	"sharepointbrowsesessions":           {collection: true},
	"sharepointrestoresessions":          {collection: true},
}

// unservedRootActions are the actions bound to backupRestoreRoot.
var unservedRootActions = []string{"enable"}

// policyActions are the actions bound to protectionPolicyBase (served:
// protectionroutes.go).
var policyActions = []string{"activate", "deactivate"}

// operationName strips an optional "microsoft.graph." or "graph." prefix
// from an operation segment.
func operationName(seg string) string {
	name, _ := cutPrefixFold(seg, "microsoft.graph.")
	name, _ = cutPrefixFold(name, "graph.")
	return name
}

// isOperation reports whether seg names one of ops (any case, bare or
// namespace-qualified).
func isOperation(seg string, ops []string) bool {
	name := operationName(seg)
	return slices.ContainsFunc(ops, func(op string) bool { return strings.EqualFold(op, name) })
}

// methods answers method on a path v1.0 allows with the methods v10, of
// which the emulator serves served: nil when it is served, the 501 when
// v1.0 allows it, else the 405 with Allow listing v10.
func methods(method, path string, served []string, v10 ...string) *graphError {
	switch {
	case slices.Contains(served, method):
		return nil
	case slices.Contains(v10, method):
		return notImplemented(method, path)
	}
	return methodNotAllowed(method, v10...)
}

// notImplemented is the 501 for what v1.0 has and the emulator does not
// serve: method on the escaped path (after /v1.0).
func notImplemented(method, path string) *graphError {
	return &graphError{status: http.StatusNotImplemented, code: "notSupported",
		message: "The emulator does not implement " + method + " " + path + ", which Microsoft Graph v1.0 has; it serves " +
			"the protection units and their offboarding; the protection policies (create, rename, activate, deactivate, delete), " +
			"their units and the @delta PATCH; inclusion rules and bulk addition jobs; and the service status."}
}

// parseUnserved completes t for a path under a navigation v1.0 has and the
// emulator does not serve: segs and raw from the navigation on, prefix the
// escaped path before them (after /v1.0). The navigation, its $count, the
// actions bound to it and its items get the methods v1.0 allows (else
// 405); anything deeper (casts, item operations and navigations) is a 501
// whatever the method, as the emulator does not model those types.
func parseUnserved(t target, method string, nav unservedNav, segs, raw []string, prefix string) target {
	t.route = RouteUnknown
	path := prefix + "/" + strings.Join(raw, "/")
	switch {
	case !nav.collection && len(segs) == 1:
		t.err = methods(method, path, nil, http.MethodGet, http.MethodPatch, http.MethodDelete)
	case len(segs) == 1:
		t.err = methods(method, path, nil, http.MethodGet, http.MethodPost)
	case !nav.collection || len(segs) > 2 || strings.HasPrefix(strings.ToLower(segs[1]), "microsoft.graph."):
		t.err = notImplemented(method, path)
	case segs[1] == "$count":
		t.err = methods(method, path, nil, http.MethodGet)
	case isOperation(segs[1], nav.collectionActions):
		t.err = methods(method, path, nil, http.MethodPost)
	default:
		t.err = methods(method, path, nil, http.MethodGet, http.MethodPatch, http.MethodDelete)
	}
	return t
}
