package v1alpha1

import (
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func semverPolicy(r string) TagPolicy { return TagPolicy{Semver: &SemverPolicy{Range: r}} }

func TestImagePolicySpecValidate(t *testing.T) {
	valid := ImagePolicySpec{Image: "ghcr.io/org/app", Policy: semverPolicy("^1.0")}
	tests := []struct {
		name    string
		edit    func(s *ImagePolicySpec)
		wantErr string
	}{
		{name: "valid", edit: func(*ImagePolicySpec) {}},
		{name: "registry with port", edit: func(s *ImagePolicySpec) { s.Image = "127.0.0.1:5000/team/app" }},
		{name: "docker hub short name", edit: func(s *ImagePolicySpec) { s.Image = "nginx" }},
		{name: "localhost", edit: func(s *ImagePolicySpec) { s.Image = "localhost:5000/app" }},
		{name: "tag in image", edit: func(s *ImagePolicySpec) { s.Image = "ghcr.io/org/app:1.0" }, wantErr: `image "ghcr.io/org/app:1.0": want a repository without tag`},
		{name: "tag in short image", edit: func(s *ImagePolicySpec) { s.Image = "nginx:1.27" }, wantErr: "without tag"},
		{name: "digest in image", edit: func(s *ImagePolicySpec) { s.Image = "ghcr.io/org/app@sha256:abcd" }, wantErr: "without digest"},
		{name: "uppercase path", edit: func(s *ImagePolicySpec) { s.Image = "ghcr.io/Org/app" }, wantErr: "not an image repository"},
		{name: "empty image", edit: func(s *ImagePolicySpec) { s.Image = "" }, wantErr: "not an image repository"},
		{name: "no policy", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{} }, wantErr: "policy: want exactly one of semver, alphabetical, numerical, digest (0 given)"},
		{name: "two policies", edit: func(s *ImagePolicySpec) { s.Policy.Numerical = &OrderPolicy{} }, wantErr: "(2 given)"},
		{name: "bad range", edit: func(s *ImagePolicySpec) { s.Policy = semverPolicy("^1.0 ||| foo") }, wantErr: `policy.semver.range "^1.0 ||| foo"`},
		{name: "empty range", edit: func(s *ImagePolicySpec) { s.Policy = semverPolicy("") }, wantErr: "policy.semver.range: required"},
		{name: "range with v", edit: func(s *ImagePolicySpec) { s.Policy = semverPolicy(">=v1.0 <2.0") }},
		{name: "bad order", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{Alphabetical: &OrderPolicy{Order: "up"}} }, wantErr: `policy.alphabetical.order "up": want asc or desc`},
		{name: "numerical desc", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{Numerical: &OrderPolicy{Order: OrderDesc}} }},
		{name: "digest", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{Digest: &DigestPolicy{Tag: "stable"}} }},
		{name: "digest bad tag", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{Digest: &DigestPolicy{Tag: ".x"}} }, wantErr: `policy.digest.tag ".x"`},
		{name: "digest no tag", edit: func(s *ImagePolicySpec) { s.Policy = TagPolicy{Digest: &DigestPolicy{}} }, wantErr: `policy.digest.tag ""`},
		{name: "bad regex", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: "^main-(["} }, wantErr: "filterTags.pattern: error parsing regexp"},
		{name: "extract without pattern", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Extract: "$ts"} }, wantErr: "filterTags.extract: requires filterTags.pattern"},
		{name: "extract named", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^main-\w+-(?P<ts>\d+)$`, Extract: "$ts"} }},
		{name: "extract braced", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^(?P<ts>\d+)$`, Extract: "${ts}"} }},
		{name: "extract numbered", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^v(\d+)\.(\d+)$`, Extract: "$1.$2"} }},
		{name: "extract unknown name", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^(?P<ts>\d+)$`, Extract: "$time"} }, wantErr: `filterTags.extract "$time": filterTags.pattern has no capture "time"`},
		{name: "extract number out of range", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^(\d+)$`, Extract: "$2"} }, wantErr: `has no capture "2"`},
		{name: "extract no reference", edit: func(s *ImagePolicySpec) { s.FilterTags = &TagFilter{Pattern: `^(\d+)$`, Extract: "ts"} }, wantErr: "names no capture"},
		{name: "zero interval", edit: func(s *ImagePolicySpec) { s.Interval = &metav1.Duration{} }, wantErr: "interval 0s: want a positive duration"},
		{name: "interval", edit: func(s *ImagePolicySpec) { s.Interval = &metav1.Duration{Duration: 5 * time.Second} }},
		{name: "secret without name", edit: func(s *ImagePolicySpec) { s.SecretRef = &LocalSecretReference{} }, wantErr: "secretRef.name: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := *valid.DeepCopy()
			tt.edit(&spec)
			checkErr(t, spec.Validate(), tt.wantErr)
		})
	}
}

func TestImagePolicyValidate(t *testing.T) {
	p := ImagePolicy{ObjectMeta: metav1.ObjectMeta{Name: "web.v1"}, Spec: ImagePolicySpec{Image: "app:1"}}
	err := p.Validate()
	for _, want := range []string{`metadata.name "web.v1": want a DNS label`, `spec: image "app:1"`, "spec: policy: want exactly one"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func TestImageUpdateValidate(t *testing.T) {
	tests := []struct {
		name    string
		update  ImageUpdateSpec
		wantErr string
	}{
		{name: "valid", update: ImageUpdateSpec{Enabled: true, Branch: "image-updates/web", MessageTemplate: "bump\n{{range .Changes}}{{.Image}} {{.New}}\n{{end}}",
			Fields: []ImageField{{File: "values.yaml", Path: "image.tag", Policy: "web", Part: ImagePartTag}}}},
		{name: "bad template", update: ImageUpdateSpec{MessageTemplate: "{{range .Changes}"}, wantErr: "imageUpdate.messageTemplate: template: message"},
		{name: "bad branch", update: ImageUpdateSpec{Branch: "a b"}, wantErr: `imageUpdate.branch "a b"`},
		{name: "secret without name", update: ImageUpdateSpec{SecretRef: &LocalSecretReference{}}, wantErr: "imageUpdate.secretRef.name: required"},
		{name: "file outside", update: ImageUpdateSpec{Fields: []ImageField{{File: "../other/values.yaml", Path: "image", Policy: "web"}}}, wantErr: `imageUpdate.fields[0]: file "../other/values.yaml": want a path inside`},
		{name: "absolute file", update: ImageUpdateSpec{Fields: []ImageField{{File: "/etc/values.yaml", Path: "image", Policy: "web"}}}, wantErr: `imageUpdate.fields[0]: file "/etc/values.yaml": want a path inside`},
		{name: "empty path segment", update: ImageUpdateSpec{Fields: []ImageField{{File: "v.yaml", Path: "image..tag", Policy: "web"}}}, wantErr: `imageUpdate.fields[0]: path "image..tag"`},
		{name: "bad policy name", update: ImageUpdateSpec{Fields: []ImageField{{File: "v.yaml", Path: "image", Policy: "Web"}}}, wantErr: `imageUpdate.fields[0]: policy "Web"`},
		{name: "bad part", update: ImageUpdateSpec{Fields: []ImageField{{File: "v.yaml", Path: "image", Policy: "web", Part: "registry"}}}, wantErr: `imageUpdate.fields[0]: part "registry"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := AppSpec{Name: "web", Path: "apps/web", ImageUpdate: &tt.update}
			err := app.Validate()
			if tt.wantErr != "" {
				tt.wantErr = "app web: " + tt.wantErr
			}
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestCaptureRefs(t *testing.T) {
	tests := map[string][]string{
		"$ts":          {"ts"},
		"${ts}":        {"ts"},
		"$1.$2":        {"1", "2"},
		"${1}x":        {"1"},
		"$1x":          {"1x"},
		"$$ts":         nil,
		"ts":           nil,
		"${ts":         nil,
		"$-":           nil,
		"a-$major-$_b": {"major", "_b"},
	}
	for template, want := range tests {
		if got := captureRefs(template); !reflect.DeepEqual(got, want) {
			t.Errorf("captureRefs(%q) = %q, want %q", template, got, want)
		}
	}
}

// checkErr fails unless err is nil when want is empty, or contains want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
		t.Errorf("err = %v, want %q", err, want)
	}
}
