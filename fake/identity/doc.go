// Package identity emulates the parts of Microsoft Entra ID (the v2.0
// endpoints of login.microsoftonline.com) that a public client signing a user
// in to Microsoft Graph uses, so that azidentity's and MSAL for Go's real
// sign-in code runs against it unchanged: the OpenID configuration, the
// signing keys, the device code flow, the authorization code flow with PKCE
// and a loopback redirect, the token endpoint's device_code,
// authorization_code and refresh_token grants, ID tokens and client_info as
// MSAL reads them, and JWT access tokens for Microsoft Graph whose scp holds
// only the scopes an administrator consented to.
//
// A Provider is an http.Handler for those endpoints. ControlHandler serves
// its control API (/_emulator/identity: the tenant, client and user to sign
// in with, consent, manual device-code approval, revocation), and Mount puts
// both in front of a Graph emulator (package fake) on one origin, as
// cmd/emulator -tls -identity does.
//
// # Endpoints (under the authority host, e.g. https://127.0.0.1:PORT/)
//
//	GET  /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /{tenant}/discovery/v2.0/keys
//	GET  /common/discovery/instance
//	POST /{tenant}/oauth2/v2.0/devicecode
//	GET  /{tenant}/oauth2/v2.0/authorize   (response_mode form_post, query or fragment)
//	POST /{tenant}/oauth2/v2.0/token       (grant_type device_code, authorization_code, refresh_token)
//	GET  /devicelogin                      (where a person would type the user code)
//
// {tenant} is the tenant ID, its domain, "organizations" or "common",
// compared case-insensitively (MSAL lower-cases the authority).
//
// # What a client must set
//
// The authority host is not one MSAL trusts, so a client must turn instance
// discovery off (azidentity: DisableInstanceDiscovery; MSAL:
// public.WithInstanceDiscovery(false)), or MSAL asks
// login.microsoftonline.com to validate it. The authority must be https
// (serve the Provider over TLS and trust its certificate in the client's
// transport). Ask for explicit scopes
// (https://graph.microsoft.com/BackupRestore-Configuration.ReadWrite.All) or
// https://graph.microsoft.com/.default (every scope consented to the client).
//
// # Errors, as Entra ID gives them
//
// Answers are Entra's JSON errors ({"error", "error_description" starting
// with the AADSTS code, "error_codes", "suberror", "trace_id",
// "correlation_id", "timestamp"}): an unknown tenant is invalid_tenant
// (AADSTS90002), an unknown client unauthorized_client (AADSTS700016), a
// scope not consented invalid_grant with suberror consent_required
// (AADSTS65001), a device code not yet approved authorization_pending, a
// declined one authorization_declined, an expired one expired_token, a bad
// PKCE verifier, a reused or expired code and an expired or revoked refresh
// token invalid_grant.
package identity
