// Package pgtest gives tests a real PostgreSQL server: the one named by
// BACKUPRESTORE_PG_DSN, or else a throwaway cluster it starts itself from
// the server's binaries (initdb and postgres, in BACKUPRESTORE_PG_BINDIR,
// else on PATH or under /usr/lib/postgresql/*/bin) in a temporary directory, listening only on a
// Unix socket there, stopped when the test binary ends (or dies: the
// server gets SIGQUIT when its parent goes).
//
// With neither, tests that need a server skip, loudly; with
// BACKUPRESTORE_REQUIRE_POSTGRES=1 (as .ci/run sets) they fail instead.
// Each test gets a schema of its own, dropped when it ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
)

// The environment variables the harness reads.
const (
	// EnvDSN names a server to use instead of a throwaway cluster
	// (e.g. "postgres://user:pass@127.0.0.1:5432/db?sslmode=disable").
	EnvDSN = "BACKUPRESTORE_PG_DSN"
	// EnvRequire, set to 1, turns a skip for want of a server into a
	// failure (CI sets it).
	EnvRequire = "BACKUPRESTORE_REQUIRE_POSTGRES"
	// EnvBinDir names the directory of initdb and postgres for the
	// throwaway cluster (default: PATH, then the newest
	// /usr/lib/postgresql/*/bin).
	EnvBinDir = "BACKUPRESTORE_PG_BINDIR"
)

var server struct {
	once    sync.Once
	dsn     string
	err     error
	dir     string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the server process has ended
	started time.Duration
}

// Main runs the tests of a package that uses the harness and then stops
// the throwaway cluster if one was started; use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	stop()
	return code
}

// DSN returns the data source name of the test server, starting a
// throwaway cluster on first use when BACKUPRESTORE_PG_DSN is not set. It
// skips the test when there is no server (fails it under
// BACKUPRESTORE_REQUIRE_POSTGRES=1).
func DSN(t testing.TB) string {
	t.Helper()
	server.once.Do(func() {
		if dsn := os.Getenv(EnvDSN); dsn != "" {
			server.dsn = dsn
			return
		}
		t0 := time.Now()
		server.dsn, server.err = start()
		server.started = time.Since(t0)
		if server.err == nil {
			fmt.Fprintf(os.Stderr, "pgtest: started a throwaway PostgreSQL in %v (%s)\n", server.started.Round(time.Millisecond), server.dir)
		}
	})
	if server.err != nil {
		msg := fmt.Sprintf("NO POSTGRESQL: these tests were NOT run: %v (set %s, or install PostgreSQL's server binaries)", server.err, EnvDSN)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1: %s", EnvRequire, msg)
		}
		t.Skip(msg)
	}
	return server.dsn
}

// DB returns a connection pool to the test server whose connections use a
// fresh schema of their own (search_path), and that schema's name; the
// schema is dropped and the pool closed when the test ends.
func DB(t testing.TB) (*sql.DB, string) {
	t.Helper()
	dsn := DSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_" + randHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	db, err := sql.Open("pgx", WithSearchPath(dsn, schema))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(20) // many tests share one server
	t.Cleanup(func() {
		_ = db.Close()
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return db, schema
}

// WithSearchPath returns dsn with its connections' search_path set to
// schema (a URL or a keyword/value DSN).
func WithSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// binDir finds the directory holding initdb and postgres.
func binDir() (string, error) {
	if dir := os.Getenv(EnvBinDir); dir != "" {
		for _, prog := range []string{"initdb", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, prog)); err != nil {
				return "", fmt.Errorf("%s=%s: %w", EnvBinDir, dir, err)
			}
		}
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) }) // newest first
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no initdb and postgres on PATH or under /usr/lib/postgresql/*/bin")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// start creates and starts a throwaway cluster; it returns its DSN.
func start() (string, error) {
	bin, err := binDir()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return "", err
	}
	server.dir = dir
	// initdb refuses to run as root: run the server as postgres (or nobody).
	var cred *runAs
	if os.Geteuid() == 0 {
		var u *user.User
		for _, name := range []string{"postgres", "nobody"} {
			if u, err = user.Lookup(name); err == nil {
				break
			}
		}
		if u == nil {
			return "", errors.New("running as root, with no postgres or nobody user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &runAs{uid: uint32(uid), gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = procAttr(cred, false)
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return "", err
	}
	defer logf.Close()
	// Unix socket only (no TCP port to collide with anyone); fsync off: the
	// tests kill clients, never the server.
	pg := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	pg.Stdout, pg.Stderr = logf, logf
	pg.SysProcAttr = procAttr(cred, true)
	if err := pg.Start(); err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	server.cmd = pg
	server.exited = make(chan struct{})
	var waitErr error
	go func() { waitErr = pg.Wait(); close(server.exited) }()
	dsn := fmt.Sprintf("host=%s port=5432 user=postgres dbname=postgres sslmode=disable", dir)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return dsn, nil
		}
		select {
		case <-server.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			return "", fmt.Errorf("postgres exited: %v: %s", waitErr, log)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("postgres not ready after 60 s: %v", err)
		}
	}
}

// stop shuts the throwaway cluster down (fast shutdown) and removes it.
func stop() {
	if server.cmd == nil {
		if server.dir != "" {
			_ = os.RemoveAll(server.dir)
		}
		return
	}
	_ = server.cmd.Process.Signal(os.Interrupt) // fast shutdown
	select {
	case <-server.exited:
	case <-time.After(20 * time.Second):
		_ = server.cmd.Process.Kill()
		<-server.exited
	}
	_ = os.RemoveAll(server.dir)
}
