package plan

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// secret builds a Secret with the given data and stringData (nil: absent;
// usually maps, but anything goes, to test malformed input).
func secret(data, stringData any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "s", "namespace": "ns"},
	}}
	if data != nil {
		u.Object["data"] = data
	}
	if stringData != nil {
		u.Object["stringData"] = stringData
	}
	return u
}

func TestRedactPair(t *testing.T) {
	tests := []struct {
		name                  string
		before, after         *unstructured.Unstructured
		wantBefore, wantAfter map[string]any // field -> redacted values
	}{
		{
			name:       "changed and unchanged keys",
			before:     secret(map[string]any{"a": "MQ==", "b": "Mg=="}, nil),
			after:      secret(map[string]any{"a": "MQ==", "b": "Mw=="}, nil),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedValue, "b": redactedBefore}},
			wantAfter:  map[string]any{"data": map[string]any{"a": redactedValue, "b": redactedAfter}},
		},
		{
			name:       "key on one side",
			before:     secret(map[string]any{"a": "MQ=="}, nil),
			after:      secret(map[string]any{"a": "MQ==", "new": "Mg=="}, nil),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedValue}},
			wantAfter:  map[string]any{"data": map[string]any{"a": redactedValue, "new": redactedValue}},
		},
		{
			name:       "stringData compares decoded",
			before:     secret(map[string]any{"a": "MQ==", "b": "Mg=="}, nil),
			after:      secret(nil, map[string]any{"a": "1", "b": "two"}),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedValue, "b": redactedBefore}},
			wantAfter:  map[string]any{"stringData": map[string]any{"a": redactedValue, "b": redactedAfter}},
		},
		{
			name:       "stringData wins over data",
			before:     secret(map[string]any{"a": "MQ=="}, nil),
			after:      secret(map[string]any{"a": "MQ=="}, map[string]any{"a": "2"}),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedBefore}},
			wantAfter: map[string]any{
				"data":       map[string]any{"a": redactedAfter},
				"stringData": map[string]any{"a": redactedAfter},
			},
		},
		{
			name:       "invalid base64 is not its decoded look-alike",
			before:     secret(map[string]any{"a": "not base64!"}, nil),
			after:      secret(nil, map[string]any{"a": "not base64!"}),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedBefore}},
			wantAfter:  map[string]any{"stringData": map[string]any{"a": redactedAfter}},
		},
		{
			name:       "other side missing",
			before:     secret(map[string]any{"a": "MQ=="}, map[string]any{"b": "x"}),
			wantBefore: map[string]any{"data": map[string]any{"a": redactedValue}, "stringData": map[string]any{"b": redactedValue}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, a := RedactPair(tc.before, tc.after)
			checkSecretFields(t, "before", b, tc.wantBefore)
			checkSecretFields(t, "after", a, tc.wantAfter)
		})
	}
}

// checkSecretFields compares u's data and stringData with want.
func checkSecretFields(t *testing.T, side string, u *unstructured.Unstructured, want map[string]any) {
	t.Helper()
	if u == nil {
		if want != nil {
			t.Errorf("%s: nil, want %v", side, want)
		}
		return
	}
	got := map[string]any{}
	for _, f := range secretValueFields {
		if v, ok := u.Object[f]; ok {
			got[f] = v
		}
	}
	gy, _ := yaml.Marshal(got)
	wy, _ := yaml.Marshal(want)
	if string(gy) != string(wy) {
		t.Errorf("%s:\n%s\nwant\n%s", side, gy, wy)
	}
}

func TestRedact(t *testing.T) {
	lastApplied := `{"data":{"password":"aHVudGVy"}}`
	tests := []struct {
		name      string
		in        *unstructured.Unstructured
		forbidden []string
		keep      []string
	}{
		{
			name:      "secret values",
			in:        secret(map[string]any{"password": "aHVudGVyMg=="}, map[string]any{"token": "plain-token"}),
			forbidden: []string{"aHVudGVyMg==", "plain-token"},
			keep:      []string{"password: '***'", "token: '***'"},
		},
		{
			name:      "malformed data field",
			in:        secret("raw-string-secret", nil),
			forbidden: []string{"raw-string-secret"},
			keep:      []string{"data: '***'"},
		},
		{
			name: "annotations of a secret",
			in: withAnnotations(secret(nil, nil), map[string]any{
				kubectlLastApplied: lastApplied, "tugboat.dev/applied-hash": "0123abcd", "team": "edge",
			}),
			forbidden: []string{"aHVudGVy", "0123abcd"},
			keep:      []string{"team: edge"},
		},
		{
			name: "last-applied of any kind",
			in: withAnnotations(&unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"k": "visible"},
			}}, map[string]any{kubectlLastApplied: lastApplied}),
			forbidden: []string{"aHVudGVy"},
			keep:      []string{"k: visible"},
		},
		{
			name: "secret of another group is not a core Secret",
			in: &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "example.com/v1", "kind": "Secret", "data": map[string]any{"k": "shown"},
			}},
			keep: []string{"k: shown"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.in.DeepCopy()
			out, err := yaml.Marshal(Redact(tc.in).Object)
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecrets(t, string(out), tc.forbidden)
			for _, k := range tc.keep {
				if !strings.Contains(string(out), k) {
					t.Errorf("output lacks %q:\n%s", k, out)
				}
			}
			if !equalObjects(tc.in, orig) {
				t.Error("Redact changed its input")
			}
		})
	}
}

func TestRedactNil(t *testing.T) {
	if Redact(nil) != nil {
		t.Fatal("Redact(nil) != nil")
	}
	if b, a := RedactPair(nil, nil); b != nil || a != nil {
		t.Fatal("RedactPair(nil, nil) != nil, nil")
	}
}

func withAnnotations(u *unstructured.Unstructured, a map[string]any) *unstructured.Unstructured {
	md, _ := u.Object["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		u.Object["metadata"] = md
	}
	md["annotations"] = a
	return u
}
