package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache"
)

// openPersistentCache opens the persistent token cache name with
// azidentity/cache.New, encrypted as that module does on each OS (Windows:
// DPAPI; macOS: the keychain; Linux: AES with a key kept in the user's
// kernel keyring). It fails where the OS offers no such protection. Tests
// set app.openCache to play such a machine.
func (a *app) openPersistentCache(name string) (azidentity.Cache, error) {
	if a.openCache != nil {
		return a.openCache(name)
	}
	return cache.New(&cache.Options{Name: name})
}

// errNoProtectedCache is the refusal to keep tokens unprotected.
var errNoProtectedCache = errors.New("no protected storage for the token cache")

// cacheRefusal explains why the cache could not be opened and what to do.
func cacheRefusal(cause error) error {
	how := "the OS keychain or DPAPI"
	if runtime.GOOS == "linux" {
		how = "a key in the user's kernel keyring (keyctl), which this machine refuses (a container whose seccomp profile blocks keyctl, for example)"
	}
	return withCode(exitAuth, fmt.Errorf("%w: azidentity's cache encrypts tokens with %s: %v\n"+
		"Nothing was saved. Either pass --allow-unencrypted-cache to keep the tokens in a file only you can read "+
		"(mode 0600, NOT encrypted: anyone with your account or a copy of the file can use them), "+
		"or sign in for this run only with --auth devicecode (nothing is kept)", errNoProtectedCache, how, cause))
}

// unencryptedCachePath is the file of an unencrypted token cache (mode
// 0600, in the CLI's config directory).
func unencryptedCachePath(getenv func(string) string, name string) (string, error) {
	dir, err := configDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "tokens", name+".json"), nil
}

// encryptedCacheFiles are the files azidentity/cache keeps for a cache
// name, where this OS keeps them (its own rule: $XDG_CACHE_HOME or
// ~/.cache on Linux, %LOCALAPPDATA% on Windows, the home directory on
// macOS, each under .IdentityService), CAE and non-CAE.
func encryptedCacheFiles(name string) []string {
	var dir string
	switch runtime.GOOS {
	case "linux":
		if dir = os.Getenv("XDG_CACHE_HOME"); dir == "" {
			if home, err := os.UserHomeDir(); err == nil {
				dir = filepath.Join(home, ".cache")
			}
		}
	case "windows":
		dir = os.Getenv("LOCALAPPDATA")
	default:
		dir, _ = os.UserHomeDir()
	}
	if dir == "" {
		return nil
	}
	var out []string
	for _, n := range []string{name, name + ".cae"} {
		p := filepath.Join(dir, ".IdentityService", n)
		out = append(out, p, p+".lockfile")
	}
	return out
}

// cacheDescription says, for people, how a profile's tokens are kept.
func cacheDescription(p *profile, getenv func(string) string) string {
	if p.UnencryptedCache {
		path, _ := unencryptedCachePath(getenv, p.CacheName)
		return "UNENCRYPTED file " + path + " (mode 0600; accepted with --allow-unencrypted-cache)"
	}
	switch runtime.GOOS {
	case "linux":
		files := encryptedCacheFiles(p.CacheName)
		if len(files) > 0 {
			return "encrypted by azidentity/cache (key in the kernel keyring) in " + files[0]
		}
	case "darwin":
		return "in the macOS keychain (azidentity/cache)"
	case "windows":
		return "encrypted with DPAPI by azidentity/cache"
	}
	return "azidentity/cache " + p.CacheName
}
