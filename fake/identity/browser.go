package identity

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// formPost matches the auto-submitting form of a form_post answer.
var (
	formAction  = regexp.MustCompile(`<form[^>]*method="POST"[^>]*action="([^"]*)"`)
	formInput   = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)" />`)
	errorPageRx = regexp.MustCompile(`<p id="error">([^<]*)</p>`)
)

// Browse plays a browser's part in the authorization code flow, for tests:
// it opens authorizeURL with client (which must trust the Provider's
// certificate), where the emulated user signs in at once, and delivers the
// answer to the loopback redirect URI as a browser would: it submits a
// form_post page's form (a POST, as MSAL's loopback server requires), or
// follows a query or fragment redirect with a GET carrying the parameters.
// Give it to MSAL as public.WithOpenURL, or run it from a stand-in
// xdg-open for azidentity's InteractiveBrowserCredential. It fails with
// the error page's text when the Provider shows one (an unknown client or
// redirect URI), or when a request fails.
func Browse(ctx context.Context, client *http.Client, authorizeURL string) error {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	page := string(body)
	switch {
	case resp.StatusCode == http.StatusFound:
		loc := resp.Header.Get("Location")
		if before, frag, ok := strings.Cut(loc, "#"); ok {
			// A browser keeps the fragment to itself; a page script would
			// read it. Deliver it as a query, as such a script would.
			loc = before + "?" + frag
		}
		return deliver(ctx, &c, http.MethodGet, loc, nil)
	case resp.StatusCode != http.StatusOK:
		if m := errorPageRx.FindStringSubmatch(page); m != nil {
			return fmt.Errorf("identity: the sign-in page shows an error: %s", html.UnescapeString(m[1]))
		}
		return fmt.Errorf("identity: the authorize endpoint answered %s", resp.Status)
	}
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return errors.New("identity: the authorize answer is not a form_post page")
	}
	form := url.Values{}
	for _, in := range formInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return deliver(ctx, &c, http.MethodPost, html.UnescapeString(m[1]), form)
}

// deliver sends the authorization answer to the redirect URI.
func deliver(ctx context.Context, c *http.Client, method, target string, form url.Values) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("identity: the redirect URI answered %s", resp.Status)
	}
	return nil
}
