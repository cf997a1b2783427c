package setter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var policies = map[string]Image{
	"web": {Repository: "reg/web", Tag: "1.1.0"},
	"pin": {Repository: "reg/pin", Tag: "stable", Digest: digestB},
	// evil comes from a hostile registry.
	"evil": {Repository: "reg/evil", Tag: "1\nx: y"},
}

// TestSetFile covers what the golden directory does not: line endings,
// untouched inputs, and the rendering of new values.
func TestSetFile(t *testing.T) {
	tests := []struct {
		name, file, in, want string
		req                  Request
	}{
		{
			name: "CRLF and no final newline",
			in:   "a: 1\r\nimage: reg/web:1.0 # {\"tugboat\": \"web\"}\r\nb: 2",
			want: "a: 1\r\nimage: reg/web:1.1.0 # {\"tugboat\": \"web\"}\r\nb: 2",
		},
		{
			name: "BOM and multi-byte characters before the value",
			in:   "\ufeffé: ü\nimage: reg/web:1.0 # {\"tugboat\": \"web\"}\n",
			want: "\ufeffé: ü\nimage: reg/web:1.1.0 # {\"tugboat\": \"web\"}\n",
		},
		{
			name: "value after multi-byte characters on its line",
			in:   "- {ñame: x, image: reg/web:1.0} \n- ✓: reg/web:1.0 # {\"tugboat\": \"web\"}\n",
			want: "- {ñame: x, image: reg/web:1.0} \n- ✓: reg/web:1.1.0 # {\"tugboat\": \"web\"}\n",
		},
		{
			name: "anchor kept",
			in:   "image: &img reg/web:1.0 # {\"tugboat\": \"web\"}\nother: *img\n",
			want: "image: &img reg/web:1.1.0 # {\"tugboat\": \"web\"}\nother: *img\n",
		},
		{
			name: "value on the line after its key",
			in:   "image: # {\"tugboat\": \"web\"}\n  reg/web:1.0\n",
			want: "image: # {\"tugboat\": \"web\"}\n  reg/web:1.1.0\n",
		},
		{
			name: "single quote inside a single-quoted value",
			in:   "tag: 'x' # {\"tugboat\": \"q:tag\"}\n",
			want: "tag: 'it''s' # {\"tugboat\": \"q:tag\"}\n",
			req:  Request{Policies: map[string]Image{"q": {Repository: "r", Tag: "it's"}}},
		},
		{
			name: "a plain tag that would read as a number is quoted",
			in:   "tag: v1 # {\"tugboat\": \"q:tag\"}\n",
			want: "tag: \"2024\" # {\"tugboat\": \"q:tag\"}\n",
			req:  Request{Policies: map[string]Image{"q": {Repository: "r", Tag: "2024"}}},
		},
		{
			name: "a plain float stays plain",
			in:   "tag: 1.9 # {\"tugboat\": \"q:tag\"}\n",
			want: "tag: 1.10 # {\"tugboat\": \"q:tag\"}\n",
			req:  Request{Policies: map[string]Image{"q": {Repository: "r", Tag: "1.10"}}},
		},
		{
			name: "an update by digest leaves a :tag marker alone",
			in:   "tag: v1 # {\"tugboat\": \"pin:tag\"}\nd: x # {\"tugboat\": \"pin:digest\"}\n",
			want: "tag: v1 # {\"tugboat\": \"pin:tag\"}\nd: " + digestB + " # {\"tugboat\": \"pin:digest\"}\n",
			req:  Request{Policies: map[string]Image{"pin": {Repository: "reg/pin", Digest: digestB}}},
		},
		{
			name: "a hostile tag stays one scalar",
			in:   "tag: v1 # {\"tugboat\": \"q:tag\"}\n",
			want: "tag: \"x # y: z\" # {\"tugboat\": \"q:tag\"}\n",
			req:  Request{Policies: map[string]Image{"q": {Repository: "r", Tag: "x # y: z"}}},
		},
		{
			name: "empty values",
			file: "kustomization.yaml",
			in:   "images:\n- name: reg/web\n  newTag:\nx:\n  tag: # {\"tugboat\": \"web:tag\"}\n",
			want: "images:\n- name: reg/web\n  newTag: 1.1.0\nx:\n  tag: 1.1.0 # {\"tugboat\": \"web:tag\"}\n",
		},
		{
			name: "equal value: same bytes",
			in:   "image: reg/web:1.1.0   # {\"tugboat\": \"web\"}\n",
			want: "image: reg/web:1.1.0   # {\"tugboat\": \"web\"}\n",
		},
		{
			name: "a template without marker is not parsed",
			in:   "metadata:\n  name: {{ .Release.Name }}\n  labels: {managed-by: \"tugboat\"}\n{{- end }}\n",
			want: "metadata:\n  name: {{ .Release.Name }}\n  labels: {managed-by: \"tugboat\"}\n{{- end }}\n",
		},
		{
			name: "a commented-out marker is no target",
			in:   "# image: reg/web:1.0 # {\"tugboat\": \"web\"}\nimage: reg/web:1.0\n",
			want: "# image: reg/web:1.0 # {\"tugboat\": \"web\"}\nimage: reg/web:1.0\n",
		},
		{
			name: "kustomization: CRLF, no final newline, key inserted",
			file: "kustomization.yml",
			in:   "images:\r\n- name: reg/web\r\n  newName: reg/web",
			want: "images:\r\n- name: reg/web\r\n  newName: reg/web\r\n  newTag: 1.1.0",
		},
		{
			name: "kustomization: digest inserted, tag kept in step",
			file: "dir/Kustomization",
			in:   "images:\n  -   name: reg/pin # pinned\n      newTag: old\n",
			want: "images:\n  -   name: reg/pin # pinned\n      newTag: stable\n      digest: " + digestB + "\n",
		},
		{
			name: "kustomization: a marker on newTag wins",
			file: "kustomization.yaml",
			in:   "images:\n- name: reg/web\n  newTag: x # {\"tugboat\": \"pin:tag\"}\n",
			want: "images:\n- name: reg/web\n  newTag: stable # {\"tugboat\": \"pin:tag\"}\n",
		},
		{
			name: "a field by path in a multi-document file",
			file: "values.yaml",
			in:   "a: 1\n---\nlist:\n- x: {tag: old}\n- x: {tag: old} # second\n",
			want: "a: 1\n---\nlist:\n- x: {tag: old}\n- x: {tag: 1.1.0} # second\n",
			req:  Request{Policies: policies, Fields: []Field{{File: "values.yaml", Path: "list[1].x.tag", Policy: "web", Part: PartTag}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.req.Policies == nil {
				tt.req.Policies = policies
			}
			if tt.file == "" {
				tt.file = "f.yaml"
			}
			out, changes, err := SetFile(tt.file, []byte(tt.in), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out, tt.want)
			}
			if (tt.in == tt.want) != (len(changes) == 0) {
				t.Errorf("changes %+v for an edit %v", changes, tt.in != tt.want)
			}
		})
	}
}

// TestSetFileErrors: every error names the file and, where it has one,
// the line, and leaves no output.
func TestSetFileErrors(t *testing.T) {
	tests := []struct {
		name, file, in string
		fields         []Field
		kind           error
		want           string // in the message
	}{
		{name: "unknown policy", in: "a: 1\n\nimage: r:1 # {\"tugboat\": \"nope\"}\n", kind: ErrUnknownPolicy, want: "f.yaml:3: unknown image policy: \"nope\""},
		{name: "invalid YAML with a marker", in: "image: r:1 # {\"tugboat\": \"web\"}\n{{- with .Values.x }}\nfoo: 1\n{{- end }}\n", kind: ErrInvalidYAML, want: "f.yaml: not valid YAML"},
		{name: "literal block scalar", in: "image: | # {\"tugboat\": \"web\"}\n  reg/web:1.0\n", kind: ErrNotSettable, want: "f.yaml:1: not a single-line scalar: a block scalar"},
		{name: "plain scalar over two lines", in: "image: reg/web:1.0\n  continued # {\"tugboat\": \"web\"}\n", kind: ErrNotSettable, want: "f.yaml:1: not a single-line scalar: a multi-line scalar"},
		{name: "double-quoted scalar over two lines", in: "image: \"reg/web:1.0\n  x\" # {\"tugboat\": \"web\"}\n", kind: ErrNotSettable, want: "a multi-line scalar"},
		{name: "marker on a mapping", in: "image: # {\"tugboat\": \"web\"}\n  name: x\n", kind: ErrNotSettable, want: "f.yaml:1:"},
		{name: "marker on a flow sequence", in: "image: [a, b] # {\"tugboat\": \"web\"}\n", kind: ErrNotSettable, want: "f.yaml:1: not a single-line scalar: marker on a sequence"},
		{name: "marker on an alias", in: "a: &x r:1\nimage: *x # {\"tugboat\": \"web\"}\n", kind: ErrNotSettable, want: "f.yaml:2:"},
		{name: "malformed marker", in: "image: r:1 # {\"tugboat\": web}\n", kind: ErrBadMarker, want: "f.yaml:1: malformed marker"},
		{name: "unknown marker part", in: "image: r:1 # {\"tugboat\": \"web:sha\"}\n", kind: ErrBadMarker, want: "unknown part \"sha\""},
		{name: "no digest", in: "d: x # {\"tugboat\": \"web:digest\"}\n", kind: ErrNoValue, want: "f.yaml:1: image has no value for this part: image \"reg/web:1.1.0\" has no digest"},
		{name: "a tag with a line break", in: "a: 1\ntag: v1 # {\"tugboat\": \"evil:tag\"}\n", kind: ErrBadValue, want: "f.yaml:2: invalid image value: value \"1\\nx: y\" has a control"},
		{name: "path not found", in: "image: {}\n", fields: []Field{{File: "f.yaml", Path: "image.tag", Policy: "web", Part: PartTag}}, kind: ErrPathNotFound, want: "f.yaml: path not found: image.tag"},
		{name: "path to a mapping", in: "image: {tag: x}\n", fields: []Field{{File: "f.yaml", Path: "image", Policy: "web"}}, kind: ErrNotSettable, want: "f.yaml:1: not a single-line scalar: a mapping"},
		{name: "invalid path", in: "a: b\n", fields: []Field{{File: "f.yaml", Path: "a[x]", Policy: "web"}}, kind: ErrPathNotFound, want: "invalid path"},
		{name: "field with unknown policy", in: "tag: x\n", fields: []Field{{File: "f.yaml", Path: "tag", Policy: "nope", Part: PartTag}}, kind: ErrUnknownPolicy, want: "f.yaml:1:"},
		{name: "kustomization pins a digest", file: "kustomization.yaml", in: "images:\n- name: reg/web\n  digest: sha256:x\n", kind: ErrConflict, want: "kustomization.yaml:3: conflicting images"},
		{name: "kustomization flow entry", file: "kustomization.yaml", in: "images: [{name: reg/web}]\n", kind: ErrNotSettable, want: "cannot add newTag to a flow mapping"},
		{name: "one scalar, two values", in: "tag: x # {\"tugboat\": \"web:tag\"}\n", fields: []Field{{File: "f.yaml", Path: "tag", Policy: "pin", Part: PartTag}}, kind: ErrConflict, want: "f.yaml:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == "" {
				tt.file = "f.yaml"
			}
			out, _, err := SetFile(tt.file, []byte(tt.in), Request{Policies: policies, Fields: tt.fields})
			if err == nil {
				t.Fatalf("no error; output %q", out)
			}
			var e *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &e) || e.File != tt.file || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %v containing %q", err, tt.kind, tt.want)
			}
			if out != nil {
				t.Errorf("output %q on error", out)
			}
		})
	}
}

// TestSetFileReportsEveryProblem: two bad markers, two errors.
func TestSetFileReportsEveryProblem(t *testing.T) {
	in := "a: r:1 # {\"tugboat\": \"x\"}\nb: r:1 # {\"tugboat\": \"y\"}\nc: r:1 # {\"tugboat\": \"web\"}\n"
	_, _, err := SetFile("f.yaml", []byte(in), Request{Policies: policies})
	for _, want := range []string{"f.yaml:1:", "f.yaml:2:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %s", err, want)
		}
	}
}

// TestRepositories: `tug image set REPO=TAG` matches by repository.
func TestRepositories(t *testing.T) {
	in := `a: reg/web:1.0 # {"tugboat": "web"}
b: reg/other:1.0 # {"tugboat": "other"}
c: reg/web@sha256:x # {"tugboat": "undeclared"}
helm:
  repository: reg/web # {"tugboat": "chart:name"}
  tag: "1.0" # {"tugboat": "chart:tag"}
lone: "1.0" # {"tugboat": "lonely:tag"}
`
	want := `a: reg/web:2.0 # {"tugboat": "web"}
b: reg/other:1.0 # {"tugboat": "other"}
c: reg/web:2.0 # {"tugboat": "undeclared"}
helm:
  repository: reg/web # {"tugboat": "chart:name"}
  tag: "2.0" # {"tugboat": "chart:tag"}
lone: "1.0" # {"tugboat": "lonely:tag"}
`
	req := Request{Repositories: map[string]Image{"reg/web": {Tag: "2.0"}}}
	out, changes, err := SetFile("f.yaml", []byte(in), req)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	wantChanges := []Change{
		{File: "f.yaml", Line: 1, Repository: "reg/web", Old: "reg/web:1.0", New: "reg/web:2.0"},
		{File: "f.yaml", Line: 3, Repository: "reg/web", Old: "reg/web@sha256:x", New: "reg/web:2.0"},
		{File: "f.yaml", Line: 6, Repository: "reg/web", Old: "1.0", New: "2.0"},
	}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes %+v\nwant %+v", changes, wantChanges)
	}

	kin := "images:\n- name: web\n  newName: reg/web\n- name: reg/other\n  newTag: \"1\"\n"
	kwant := "images:\n- name: web\n  newName: reg/web\n  newTag: \"2.0\"\n- name: reg/other\n  newTag: \"1\"\n"
	out, _, err = SetFile("kustomization.yaml", []byte(kin), req)
	if err != nil || string(out) != kwant {
		t.Errorf("kustomization: %v\n%s\nwant\n%s", err, out, kwant)
	}
}

func TestImageString(t *testing.T) {
	tests := map[Image]string{
		{Repository: "r", Tag: "1"}:                "r:1",
		{Repository: "r", Digest: "sha256:d"}:      "r@sha256:d",
		{Repository: "r", Tag: "1", Digest: "s:d"}: "r:1@s:d",
		{Repository: "localhost:5000/r", Tag: "1"}: "localhost:5000/r:1",
	}
	for img, want := range tests {
		if got := img.String(); got != want {
			t.Errorf("%+v: %q, want %q", img, got, want)
		}
		if got := repositoryOf(want); got != img.Repository {
			t.Errorf("repositoryOf(%q) = %q, want %q", want, got, img.Repository)
		}
	}
}
