package identity

import (
	"crypto/rand"
	"fmt"
	"html"
	"math"
	"net/http"
	"strings"
	"time"
)

// deviceState is where a device code stands.
type deviceState string

// The states of a device code.
const (
	devicePending  deviceState = "pending"
	deviceApproved deviceState = "approved"
	deviceDeclined deviceState = "declined"
	deviceRedeemed deviceState = "redeemed"
)

// deviceGrant is an issued device code.
type deviceGrant struct {
	userCode, clientID, scope string
	expires                   time.Time
	state                     deviceState
	approved                  time.Time
}

// userCodeAlphabet is what Entra ID's user codes are made of.
const userCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newUserCode returns a nine-character user code.
func newUserCode() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b)
}

// deviceCode serves POST /{tenant}/oauth2/v2.0/devicecode.
func (p *Provider) deviceCode(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	rec := Request{Endpoint: "devicecode"}
	fail := func(e *oauthError) {
		rec.Status, rec.Error, rec.AADSTS = e.status, e.code, e.aadsts
		p.record(rec)
		e.write(w, now)
	}
	if r.Method != http.MethodPost {
		fail(errMethod(r.Method))
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(errMissingParam("client_id"))
		return
	}
	rec.ClientID, rec.Scope = r.PostForm.Get("client_id"), r.PostForm.Get("scope")
	if rec.ClientID == "" {
		fail(errMissingParam("client_id"))
		return
	}
	p.mu.Lock()
	c := p.client(rec.ClientID)
	var confidential bool
	if c != nil {
		confidential = c.Confidential
	}
	p.mu.Unlock()
	switch {
	case c == nil:
		fail(errUnknownClient(rec.ClientID, p.tenantName()))
		return
	case confidential:
		fail(errNotPublicClient())
		return
	}
	if _, e := parseScopes(rec.Scope); e != nil {
		fail(e)
		return
	}
	g := &deviceGrant{userCode: newUserCode(), clientID: c.ID, scope: rec.Scope, expires: now.Add(p.opts.DeviceCodeLifetime), state: devicePending}
	if !p.opts.ManualApprove {
		g.state, g.approved = deviceApproved, now
	}
	dc := newSecret(48)
	p.mu.Lock()
	p.devices[dc] = g
	p.mu.Unlock()
	rec.Status = http.StatusOK
	p.record(rec)
	uri := p.authorityHost(r) + "devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": g.userCode, "device_code": dc, "verification_uri": uri,
		"expires_in": int(math.Ceil(p.opts.DeviceCodeLifetime.Seconds())), "interval": 5,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, g.userCode),
	})
}

// redeemDevice is the device_code grant: the session of an approved code,
// or authorization_pending, authorization_declined, expired_token or
// bad_verification_code. The caller holds p.mu.
func (p *Provider) redeemDevice(dc string, c *Client, now time.Time) (session, *oauthError) {
	g := p.devices[dc]
	switch {
	case g == nil:
		return session{}, errBadDeviceCode()
	case !strings.EqualFold(g.clientID, c.ID):
		return session{}, errGrantClientMismatch()
	case g.state == deviceRedeemed:
		return session{}, errCodeRedeemed()
	case now.After(g.expires):
		delete(p.devices, dc)
		return session{}, errDeviceCodeExpired()
	case g.state == devicePending:
		return session{}, errAuthorizationPending()
	case g.state == deviceDeclined:
		delete(p.devices, dc)
		return session{}, errAuthorizationDeclined()
	}
	g.state = deviceRedeemed
	return p.newSession(c), nil
}

// ErrUnknownUserCode is returned by ApproveDevice for a user code that was
// never issued, or whose device code was redeemed, declined or expired.
var ErrUnknownUserCode = fmt.Errorf("identity: no pending device code has that user code")

// ApproveDevice approves (or, with approve false, declines) the pending
// device code whose user code is userCode, as the user would on the
// device login page. It fails with ErrUnknownUserCode when no pending code
// has it.
func (p *Provider) ApproveDevice(userCode string, approve bool) error {
	userCode = strings.ToUpper(strings.TrimSpace(userCode))
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.devices {
		if g.userCode != userCode || g.state != devicePending || now.After(g.expires) {
			continue
		}
		if approve {
			g.state, g.approved = deviceApproved, now
		} else {
			g.state = deviceDeclined
		}
		return nil
	}
	return ErrUnknownUserCode
}

// PendingDevice is a device code waiting for the user.
type PendingDevice struct {
	UserCode  string    `json:"userCode"`
	ClientID  string    `json:"clientId"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// PendingDevices lists the device codes waiting for approval (with
// ManualApprove), in no particular order.
func (p *Provider) PendingDevices() []PendingDevice {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []PendingDevice
	for _, g := range p.devices {
		if g.state == devicePending && !now.After(g.expires) {
			out = append(out, PendingDevice{UserCode: g.userCode, ClientID: g.clientID, Scope: g.scope, ExpiresAt: g.expires.UTC()})
		}
	}
	return out
}

// deviceLogin serves /devicelogin: a page where a person types the user
// code (GET), and its form (POST user_code, approve=true|false).
func (p *Provider) deviceLogin(w http.ResponseWriter, r *http.Request) {
	msg, status := "", http.StatusOK
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		approve := r.PostForm.Get("approve") != "false"
		if err := p.ApproveDevice(r.PostForm.Get("user_code"), approve); err != nil {
			status = http.StatusBadRequest
			msg = "That code didn't work. Check the code and try again."
		} else if approve {
			msg = "You have signed in to the application on your device as " + p.opts.User.UserPrincipalName + ". You may now close this window."
		} else {
			msg = "You declined the sign-in. You may now close this window."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Enter code</title></head><body><h1>Enter code</h1><p id="message">%s</p>
<form method="POST" action="devicelogin"><input name="user_code" autocomplete="off"><button name="approve" value="true">Next</button><button name="approve" value="false">Cancel</button></form></body></html>
`, html.EscapeString(msg))
}
