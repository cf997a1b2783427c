package chartarchive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
)

// entry is one entry of a test archive: zeros are streamed in after body,
// so a bomb costs no memory to build; raw, when set, goes into the tar
// stream before the entry's header (hand-made PAX headers that tar.Writer
// would not write).
type entry struct {
	name     string
	typ      byte
	body     []byte
	zeros    int64
	linkname string
	mode     int64
	pax      map[string]string
	raw      []byte
}

// archive returns the gzipped tar of entries.
func archive(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		if err := writeEntry(tw, zw, e); err != nil {
			t.Fatalf("write %s: %v", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeEntry(tw *tar.Writer, raw io.Writer, e entry) error {
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := raw.Write(e.raw); err != nil {
		return err
	}
	hd := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.linkname, Mode: e.mode,
		Size: int64(len(e.body)) + e.zeros, PAXRecords: e.pax}
	if hd.Typeflag == 0 {
		hd.Typeflag = tar.TypeReg
	}
	switch {
	case hd.Typeflag == tar.TypeXGlobalHeader:
		hd.Mode = 0
	case hd.Mode == 0:
		hd.Mode = 0o644
	}
	if hd.Typeflag != tar.TypeReg {
		hd.Size = 0
	}
	if e.pax != nil {
		hd.Format = tar.FormatPAX
	}
	if err := tw.WriteHeader(hd); err != nil {
		return err
	}
	if _, err := tw.Write(e.body); err != nil {
		return err
	}
	_, err := io.CopyN(tw, zeros{}, e.zeros)
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// chart returns the entries of a minimal chart below top, then extra.
func chart(top string, extra ...entry) []entry {
	return append([]entry{
		{name: top + "/", typ: tar.TypeDir},
		{name: top + "/Chart.yaml", body: []byte("apiVersion: v2\nname: " + top + "\nversion: 0.1.0\n")},
		{name: top + "/templates/cm.yaml", body: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")},
	}, extra...)
}

// nested returns a chart archive holding inner as charts/<name>.tgz,
// depth levels deep.
func nested(t testing.TB, depth int, inner []byte) []byte {
	t.Helper()
	for i := range depth {
		top := fmt.Sprintf("level%d", i)
		inner = archive(t, chart(top, entry{name: top + "/charts/sub.tgz", body: inner})...)
	}
	return inner
}

// paxHeader is a hand-made PAX extended header block with records, which
// tar.Writer refuses to write for the GNU sparse keys.
func paxHeader(records map[string]string) []byte {
	var data []byte
	for k, v := range records {
		rec := " " + k + "=" + v + "\n"
		n := len(rec) + 1
		for len(fmt.Sprint(n))+len(rec) != n {
			n++
		}
		data = append(data, fmt.Sprint(n)+rec...)
	}
	hdr := make([]byte, 512)
	copy(hdr, "PaxHeaders/sparse")
	copy(hdr[100:], "0000644\x00")
	copy(hdr[108:], "0000000\x00")
	copy(hdr[116:], "0000000\x00")
	copy(hdr[124:], fmt.Sprintf("%011o\x00", len(data)))
	copy(hdr[136:], "00000000000\x00")
	hdr[156] = tar.TypeXHeader
	copy(hdr[257:], "ustar\x0000")
	copy(hdr[148:], "        ")
	sum := 0
	for _, c := range hdr {
		sum += int(c)
	}
	copy(hdr[148:], fmt.Sprintf("%06o\x00 ", sum))
	out := append(hdr, data...)
	if rest := len(data) % 512; rest != 0 {
		out = append(out, make([]byte, 512-rest)...)
	}
	return out
}
