package identity

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"time"
)

// oauthError is an error answer of the token, device code or configuration
// endpoints, in Entra ID's shape.
type oauthError struct {
	status   int
	code     string // the OAuth error: invalid_grant, authorization_pending, …
	aadsts   int    // the AADSTS number
	message  string // the text after "AADSTSnnnnn: "
	suberror string // consent_required, …
}

// The error answers the Provider gives.
func errInvalidTenant(tenant string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_tenant", aadsts: 90002,
		message: fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

func errUnknownClient(clientID, tenantName string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", aadsts: 700016,
		message: fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenantName)}
}

func errNotPublicClient() *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", aadsts: 7000218,
		message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errConsentRequired(c *Client, scopes []string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 65001, suberror: "consent_required",
		message: fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource. Missing scopes: %s.",
			c.ID, c.DisplayName, joinSpace(scopes))}
}

func errInvalidScope(msg string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_scope", aadsts: 70011,
		message: "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. " + msg}
}

func errUnknownResource(resource string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_resource", aadsts: 500011,
		message: fmt.Sprintf("The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", resource)}
}

func errUnknownGraphScope(scope string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_client", aadsts: 650053,
		message: fmt.Sprintf("The application asked for scope '%s' that doesn't exist on the resource '00000003-0000-0000-c000-000000000000'.", scope)}
}

func errMissingParam(name string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", aadsts: 900144,
		message: fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func errUnsupportedGrant(gt string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type", aadsts: 70003,
		message: fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt)}
}

func errAuthorizationPending() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "authorization_pending", aadsts: 70016,
		message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling."}
}

func errAuthorizationDeclined() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "authorization_declined", aadsts: 70000,
		message: "The user declined the authorization request on the device login page."}
}

func errDeviceCodeExpired() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "expired_token", aadsts: 70019,
		message: "Verification code expired. The device code expired before the user approved it; start the sign-in again."}
}

func errBadDeviceCode() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "bad_verification_code", aadsts: 70000,
		message: "The provided value for the input parameter 'device_code' is not valid."}
}

func errCodeRedeemed() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 54005,
		message: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
}

func errCodeExpired() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 70008,
		message: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
}

func errBadCode() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 9002313,
		message: "Invalid request. Request is malformed or invalid."}
}

func errVerifierMismatch() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 501481,
		message: "The Code_Verifier does not match the code_challenge supplied in the authorization request."}
}

func errRedirectMismatch() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 70000,
		message: "The provided value for the input parameter 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."}
}

func errGrantClientMismatch() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 70000,
		message: "Provided grant is invalid or malformed: it was issued to another client."}
}

func errRefreshExpired() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 700082,
		message: "The refresh token has expired due to inactivity. The token was issued on a date past its lifetime; sign in again."}
}

func errRefreshRevoked() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant", aadsts: 50173,
		message: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password, or an administrator revoked their sessions."}
}

func errNotFound(path string) *oauthError {
	return &oauthError{status: http.StatusNotFound, code: "invalid_request", aadsts: 900561,
		message: fmt.Sprintf("The endpoint %s is not served by the emulated Microsoft Entra ID.", path)}
}

func errMethod(method string) *oauthError {
	return &oauthError{status: http.StatusMethodNotAllowed, code: "invalid_request", aadsts: 900561,
		message: fmt.Sprintf("The endpoint only accepts POST requests. Received a %s request.", method)}
}

// Error implements error: the OAuth code and description.
func (e *oauthError) Error() string { return e.code + ": " + e.description() }

// description is Entra's error_description, without its trace lines.
func (e *oauthError) description() string {
	return "AADSTS" + strconv.Itoa(e.aadsts) + ": " + e.message
}

// write writes e as Entra's JSON error answer.
func (e *oauthError) write(w http.ResponseWriter, now time.Time) {
	trace, corr := newID(), newID()
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	body := map[string]any{
		"error": e.code,
		"error_description": e.description() + " Trace ID: " + trace + " Correlation ID: " + corr +
			" Timestamp: " + ts,
		"error_codes":    []int{e.aadsts},
		"timestamp":      ts,
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      "https://login.microsoftonline.com/error?code=" + strconv.Itoa(e.aadsts),
	}
	if e.suberror != "" {
		body["suberror"] = e.suberror
	}
	writeJSON(w, e.status, body)
}

// writeHTMLError writes e as the error page Entra ID shows in a browser
// when it cannot redirect (an unknown client or redirect URI).
func (e *oauthError) writeHTML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.status)
	fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">%s</p></body></html>\n",
		html.EscapeString(e.description()))
}

// writeJSON writes v as a JSON answer with the headers Entra ID sends.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
