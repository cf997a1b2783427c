package helmrepo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"sigs.k8s.io/yaml"
)

// chartCache holds archives as <dir>/<hex>.tgz and their unpacked charts as
// <dir>/<hex>/<name>. Both appear by rename only, so whatever is there is
// complete and was verified, and concurrent fetches need no lock.
type chartCache struct {
	dir string
	lim Limits
}

// wanted is the chart a repository announced: digest is the lowercase hex
// sha256 of its archive, or "" when the repository does not say.
type wanted struct {
	name, version, digest string
}

func openCache(root string, lim Limits) (chartCache, error) {
	dir := filepath.Join(root, "charts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return chartCache{}, fmt.Errorf("chart cache: %w", err)
	}
	return chartCache{dir: dir, lim: lim}, nil
}

// obtain returns the chart w from the cache, calling open to download its
// archive only when the digest is unknown or not cached.
func (c chartCache) obtain(w wanted, open func() (io.ReadCloser, error)) (Chart, error) {
	if w.digest != "" {
		if ch, err := c.lookup(w); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return ch, err
		}
	}
	rc, err := open()
	if err != nil {
		return Chart{}, err
	}
	defer rc.Close()
	sum, err := c.store(rc, w.digest)
	if err != nil {
		return Chart{}, err
	}
	w.digest = sum
	return c.lookup(w)
}

// lookup returns the unpacked chart w, unpacking its cached archive first if
// a previous fetch stopped in between. The error wraps fs.ErrNotExist when
// neither is cached.
func (c chartCache) lookup(w wanted) (Chart, error) {
	dir := filepath.Join(c.dir, w.digest, w.name)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := c.unpack(w.digest, w.name); err != nil {
			return Chart{}, err
		}
	}
	meta, err := readMeta(dir)
	if err != nil {
		return Chart{}, err
	}
	if err := checkMeta(meta, w); err != nil {
		return Chart{}, err
	}
	archive := filepath.Join(c.dir, w.digest+".tgz")
	return Chart{Name: meta.Name, Version: meta.Version, Digest: "sha256:" + w.digest, Dir: dir, Archive: archive}, nil
}

// store copies the archive r into the cache, refusing it if it is larger
// than the cap or its digest is not want (unless want is empty), and
// returns its digest.
func (c chartCache) store(r io.Reader, want string) (string, error) {
	tmp, err := os.CreateTemp(c.dir, ".download-*.tgz")
	if err != nil {
		return "", fmt.Errorf("chart cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, c.lim.MaxArchiveBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("download chart: %w", err)
	}
	if n > c.lim.MaxArchiveBytes {
		return "", fmt.Errorf("%w: chart archive is larger than %d bytes", ErrTooLarge, c.lim.MaxArchiveBytes)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", fmt.Errorf("%w: got sha256:%s, want sha256:%s", ErrDigestMismatch, sum, want)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(c.dir, sum+".tgz")); err != nil {
		return "", fmt.Errorf("chart cache: %w", err)
	}
	return sum, nil
}

// unpack extracts <digest>.tgz into a temporary directory, has Helm's
// loader validate it, and renames it to <digest>.
func (c chartCache) unpack(digest, name string) error {
	f, err := os.Open(filepath.Join(c.dir, digest+".tgz"))
	if err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	defer f.Close()
	tmp, err := os.MkdirTemp(c.dir, ".unpack-*")
	if err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return fmt.Errorf("chart cache: %w", err)
	}
	defer root.Close()
	if err := unpack(f, root, name, c.lim); err != nil {
		return fmt.Errorf("chart sha256:%s: %w", digest, err)
	}
	if _, err := loader.LoadDir(filepath.Join(tmp, name)); err != nil {
		return fmt.Errorf("invalid chart sha256:%s: %w", digest, err)
	}
	err = os.Rename(tmp, filepath.Join(c.dir, digest))
	if err != nil && !exists(filepath.Join(c.dir, digest, name)) {
		return fmt.Errorf("chart cache: %w", err)
	}
	// A concurrent fetch that renamed first left the same content.
	return nil
}

// readMeta reads the name and version of the chart in dir.
func readMeta(dir string) (*chart.Metadata, error) {
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("chart cache: %w", err)
	}
	meta := &chart.Metadata{}
	if err := yaml.Unmarshal(b, meta); err != nil {
		return nil, fmt.Errorf("chart cache: %s: %w", filepath.Join(dir, "Chart.yaml"), err)
	}
	return meta, nil
}

// checkMeta refuses an archive whose Chart.yaml is not the chart and version
// the repository announced, so an index cannot pass one chart off as another.
func checkMeta(meta *chart.Metadata, w wanted) error {
	if meta.Name != w.name {
		return fmt.Errorf("chart sha256:%s is named %q, want %q", w.digest, meta.Name, w.name)
	}
	if meta.Version == w.version {
		return nil
	}
	got, err1 := semver.NewVersion(meta.Version)
	want, err2 := semver.NewVersion(w.version)
	if err1 != nil || err2 != nil || !got.Equal(want) {
		return fmt.Errorf("chart sha256:%s has version %q, want %q", w.digest, meta.Version, w.version)
	}
	return nil
}

// checkName refuses a chart name that could not be one directory name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("invalid chart name %q", name)
	}
	return nil
}

// parseDigest turns "sha256:<hex>" or "<hex>" into lowercase hex, the form
// used in cache paths; anything else is refused rather than trusted.
func parseDigest(d string) (string, error) {
	d = strings.ToLower(strings.TrimPrefix(d, "sha256:"))
	if len(d) != sha256.Size*2 {
		return "", fmt.Errorf("invalid sha256 digest %q", d)
	}
	if _, err := hex.DecodeString(d); err != nil {
		return "", fmt.Errorf("invalid sha256 digest %q", d)
	}
	return d, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
