package helmrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tugboat-gitops/tugboat/internal/source"
)

func TestFetchFromIndex(t *testing.T) {
	r := standardRepo(t)
	good := &Auth{Username: r.user, Password: r.pass}
	tests := []struct {
		name, chart, version string
		url                  string // default r.URL
		auth                 *Auth
		wantVersion          string
		wantErr              error
		wantMsg              string
	}{
		{name: "exact", version: "1.1.0", auth: good, wantVersion: "1.1.0"},
		{name: "range", version: ">=1.0 <2", auth: good, wantVersion: "1.2.0"},
		{name: "latest stable", auth: good, wantVersion: "2.0.0"},
		{name: "repo URL with slash", url: r.URL + "/", version: "1.0.0", auth: good, wantVersion: "1.0.0"},
		{name: "credentials in URL", url: strings.Replace(r.URL, "://", "://robot:s3cret-pa55@", 1), version: "1.0.0", wantVersion: "1.0.0"},
		{name: "no match", version: ">=3", auth: good, wantErr: ErrNoMatchingVersion, wantMsg: "available: 2.1.0-rc.1, 2.0.0, 1.2.0"},
		{name: "unknown chart", chart: "otherchart", auth: good, wantErr: ErrChartNotFound},
		{name: "wrong password", version: "1.0.0", auth: &Auth{Username: r.user, Password: "wrong-pw"}, wantErr: source.ErrAuthFailed, wantMsg: r.URL + "/index.yaml"},
		{name: "wrong password in URL", url: strings.Replace(r.URL, "://", "://robot:wrong-pw@", 1), version: "1.0.0", wantErr: source.ErrAuthFailed},
		{name: "no credentials", version: "1.0.0", wantErr: source.ErrAuthFailed, wantMsg: "authentication failed for " + r.URL},
		{name: "digest mismatch", version: "0.9.0", auth: good, wantErr: ErrDigestMismatch},
		{name: "unsafe archive", version: "0.0.1-evil", auth: good, wantErr: ErrUnsafeArchive},
		{name: "not a chart", version: "0.0.2-nochart", auth: good, wantMsg: "invalid chart sha256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Source{URL: tt.url, Chart: tt.chart, Version: tt.version, Auth: tt.auth, CacheDir: t.TempDir()}
			if s.URL == "" {
				s.URL = r.URL
			}
			if s.Chart == "" {
				s.Chart = "mychart"
			}
			ch, err := s.Fetch(context.Background())
			if tt.wantMsg != "" && tt.wantErr == nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("fetch: got %v, want error containing %q", err, tt.wantMsg)
				}
				return
			}
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			checkChart(t, ch, s.CacheDir, tt.wantVersion)
		})
	}
}

// checkErr checks err and that no secret of the test repositories leaks.
func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if !errors.Is(err, want) || !strings.Contains(err.Error(), msg) {
		t.Fatalf("fetch: got %v, want %v containing %q", err, want, msg)
	}
	for _, secret := range []string{"s3cret-pa55", "wrong-pw"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error leaks a password: %v", err)
		}
	}
	t.Logf("error: %v", err)
}

func checkChart(t *testing.T, ch Chart, cacheDir, version string) {
	t.Helper()
	if ch.Name != "mychart" || ch.Version != version {
		t.Fatalf("got %s %s, want mychart %s", ch.Name, ch.Version, version)
	}
	hex := strings.TrimPrefix(ch.Digest, "sha256:")
	if want := filepath.Join(cacheDir, "charts", hex, "mychart"); ch.Dir != want {
		t.Fatalf("dir %s, want %s", ch.Dir, want)
	}
	archive, err := os.ReadFile(filepath.Join(cacheDir, "charts", hex+".tgz"))
	if err != nil || sha256Hex(archive) != hex {
		t.Fatalf("cached archive does not match digest %s: %v", ch.Digest, err)
	}
	b, err := os.ReadFile(filepath.Join(ch.Dir, "Chart.yaml"))
	if err != nil || !strings.Contains(string(b), "version: "+version) {
		t.Fatalf("Chart.yaml of %s: %v\n%s", ch.Dir, err, b)
	}
}

func TestFetchFromIndexCachesByDigest(t *testing.T) {
	r := standardRepo(t)
	s := &Source{URL: r.URL, Chart: "mychart", Version: "~1.1", Auth: &Auth{Username: r.user, Password: r.pass}, CacheDir: t.TempDir()}
	first, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("second fetch %+v differs from first %+v", second, first)
	}
	if n := r.counts(r.served, "200 /charts/mychart-1.1.0.tgz"); n != 1 {
		t.Errorf("archive downloaded %d times, want 1", n)
	}
	if n := r.counts(r.served, "200 /index.yaml"); n != 1 {
		t.Errorf("index downloaded %d times, want 1", n)
	}
	if n := r.counts(r.served, "304 /index.yaml"); n != 1 {
		t.Errorf("index revalidated %d times, want 1 (304)", n)
	}
	// A fetch that stopped between download and unpack left the archive:
	// the next one unpacks it without downloading.
	if err := os.RemoveAll(filepath.Dir(first.Dir)); err != nil {
		t.Fatal(err)
	}
	third, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkChart(t, third, s.CacheDir, "1.1.0")
	if n := r.counts(r.served, "200 /charts/mychart-1.1.0.tgz"); n != 1 {
		t.Errorf("archive downloaded %d times after unpacked dir was lost, want 1", n)
	}
}

// TestFetchConcurrentlySharesCache fetches one chart from several
// goroutines into one cache: renames settle who wins, and all get it.
func TestFetchConcurrentlySharesCache(t *testing.T) {
	r := standardRepo(t)
	cache := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			s := &Source{URL: r.URL, Chart: "mychart", Version: "2.0.0", Auth: &Auth{Username: r.user, Password: r.pass}, CacheDir: cache}
			var ch Chart
			if ch, errs[i] = s.Fetch(context.Background()); errs[i] == nil && ch.Version != "2.0.0" {
				errs[i] = fmt.Errorf("got version %s", ch.Version)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(cache, "charts", ".*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left in the cache: %v", leftovers)
	}
}

// TestFetchKeepsCredentialsOnRepoHost serves an archive from a second host
// that the index names by absolute URL: the credentials go there only when
// PassCredentials says so.
func TestFetchKeepsCredentialsOnRepoHost(t *testing.T) {
	other := newChartRepo(t, true)
	other.files["/mychart-1.0.0.tgz"] = packageChart(t, "1.0.0")
	r := newChartRepo(t, false)
	r.add(t, "1.0.0", "/unused", other.URL+"/mychart-1.0.0.tgz", "auto", other.files["/mychart-1.0.0.tgz"])
	for _, pass := range []bool{false, true} {
		s := &Source{URL: r.URL, Chart: "mychart", Auth: &Auth{Username: r.user, Password: r.pass}, PassCredentials: pass, CacheDir: t.TempDir()}
		ch, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkChart(t, ch, s.CacheDir, "1.0.0")
		want := 0
		if pass {
			want = 1
		}
		if got := other.counts(other.auths, "/mychart-1.0.0.tgz"); got != want {
			t.Errorf("PassCredentials=%v: other host got credentials %d times, want %d", pass, got, want)
		}
	}
}

// TestFetchDropsCredentialsOnRedirect redirects the archive download to
// another host (port): the standard library would forward the credentials
// there, since it compares host names only.
func TestFetchDropsCredentialsOnRedirect(t *testing.T) {
	other := newChartRepo(t, true)
	other.files["/mychart-1.0.0.tgz"] = packageChart(t, "1.0.0")
	r := newChartRepo(t, false)
	r.add(t, "1.0.0", "/unused", "charts/mychart-1.0.0.tgz", "auto", other.files["/mychart-1.0.0.tgz"])
	r.redirects["/charts/mychart-1.0.0.tgz"] = other.URL + "/mychart-1.0.0.tgz"
	s := &Source{URL: r.URL, Chart: "mychart", Auth: &Auth{Username: r.user, Password: r.pass}, CacheDir: t.TempDir()}
	ch, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkChart(t, ch, s.CacheDir, "1.0.0")
	if n := other.counts(other.served, "200 /mychart-1.0.0.tgz"); n != 1 {
		t.Fatalf("redirect target served %d times, want 1", n)
	}
	if n := other.counts(other.auths, "/mychart-1.0.0.tgz"); n != 0 {
		t.Fatalf("redirect target got the credentials %d times", n)
	}
}

func TestFetchRefusesOversizedIndex(t *testing.T) {
	r := standardRepo(t)
	s := &Source{URL: r.URL, Chart: "mychart", Auth: &Auth{Username: r.user, Password: r.pass}, CacheDir: t.TempDir(), Limits: Limits{MaxIndexBytes: 100}}
	_, err := s.Fetch(context.Background())
	checkErr(t, err, ErrTooLarge, "repository index is larger than 100 bytes")
}
