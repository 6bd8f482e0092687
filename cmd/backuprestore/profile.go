package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// defaultProfile is the profile used without --profile.
const defaultProfile = "default"

// profileName is what a profile may be called: it names files.
var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// profile is a saved sign-in: who signed in, to which tenant, with which
// client, and where the tokens are. It holds no token: those live in the
// token cache it names. It is written with mode 0600.
type profile struct {
	// Name is the profile's name (--profile).
	Name string `json:"name"`
	// TenantID and ClientID are the tenant signed in to and the
	// application signed in with.
	TenantID string `json:"tenantId"`
	ClientID string `json:"clientId"`
	// AuthorityHost is the Entra ID authority host
	// (https://login.microsoftonline.com/, or an emulator's).
	AuthorityHost string `json:"authorityHost"`
	// GraphURL is the Graph base URL the sign-in is for: Microsoft Graph,
	// or the emulator of --emulator-url.
	GraphURL string `json:"graphUrl"`
	// CAFile is the emulator's certificate (--emulator-ca), trusted for
	// both sign-in and Graph.
	CAFile string `json:"caFile,omitempty"`
	// Method is how the user signed in: "browser" or "device-code".
	Method string `json:"method"`
	// Record is azidentity's AuthenticationRecord of the account.
	Record azidentity.AuthenticationRecord `json:"authenticationRecord"`
	// CacheName names the persistent token cache (azidentity/cache's
	// Options.Name, or the unencrypted file's name).
	CacheName string `json:"cacheName"`
	// UnencryptedCache is set when the admin accepted an unencrypted token
	// cache (--allow-unencrypted-cache) because the OS offered no
	// protection.
	UnencryptedCache bool `json:"unencryptedCache,omitempty"`
	// Scopes are the scopes asked for at sign-in.
	Scopes []string `json:"scopes"`
	// SignedInAt is when auth login finished.
	SignedInAt time.Time `json:"signedInAt"`
}

// configDir is the CLI's directory in the user's config directory
// ($XDG_CONFIG_HOME, else ~/.config on Unix-like systems, else
// os.UserConfigDir).
func configDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "backuprestore"), nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
	default:
		if home := getenv("HOME"); home != "" && filepath.IsAbs(home) {
			return filepath.Join(home, ".config", "backuprestore"), nil
		}
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for the sign-in profile: %w", err)
	}
	return filepath.Join(dir, "backuprestore"), nil
}

// profilePath is where the profile name is kept.
func profilePath(getenv func(string) string, name string) (string, error) {
	dir, err := configDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "profiles", name+".json"), nil
}

// errNoProfile is loadProfile's error when the profile was never saved
// (or was logged out).
var errNoProfile = errors.New("no saved sign-in")

// loadProfile reads the profile name; errNoProfile when there is none.
func loadProfile(getenv func(string) string, name string) (*profile, string, error) {
	path, err := profilePath(getenv, name)
	if err != nil {
		return nil, "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, path, errNoProfile
	}
	if err != nil {
		return nil, path, err
	}
	var p profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, path, fmt.Errorf("the saved sign-in %s is damaged (%v): run backuprestore auth logout, then auth login", path, err)
	}
	return &p, path, nil
}

// save writes the profile with mode 0600 (its directory 0700), replacing
// the file atomically.
func (p *profile) save(getenv func(string) string) (string, error) {
	path, err := profilePath(getenv, p.Name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+p.Name+"-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return "", err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// cacheNameFor is the token cache's name of a profile.
func cacheNameFor(profile string) string { return "backuprestore-" + profile }

// randomSuffix is 8 random hex digits: each sign-in gets its own cache.
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
