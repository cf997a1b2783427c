package v1alpha1

import (
	"math/rand"
	"os"
	"regexp"
	"testing"

	"github.com/Masterminds/semver/v3"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// TestRangePattern checks the pattern the ImagePolicy CRD gives
// spec.policy.semver.range against the parser the controller uses: every
// range users write passes both, and nothing the pattern admits fails to
// parse, over random strings of the grammar's characters. (The pattern is
// stricter than the parser on oddities such as "*.|", which it accepts.)
func TestRangePattern(t *testing.T) {
	data, err := os.ReadFile("../../deploy/crds/tugboat.dev_imagepolicies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	schema := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["policy"].Properties["semver"].Properties["range"]
	re, err := regexp.Compile(schema.Pattern)
	if err != nil || schema.Pattern == "" {
		t.Fatalf("pattern %q: %v", schema.Pattern, err)
	}
	for _, r := range []string{
		"^1", "^1.2", "~1.2.3", ">=1.0 <2.0", ">=1.0, <2.0", "1.x || 2.x", "1.2 - 1.4", "v1.2.3", ">= 1.0",
		"*", "x", "1.2.3-rc.1", "^1.0.0-0", "=1.2.3", "!=1.2.3", "~>1.2", "<=2", "1.2.3+build.5", ">1 <3 || 5.x",
	} {
		if _, err := semver.NewConstraint(r); err != nil || !re.MatchString(r) {
			t.Errorf("%q: pattern matches %v, parser says %v; want both to accept it", r, re.MatchString(r), err)
		}
	}
	for _, r := range []string{"^^1", "1.0 ||| 2", "latest", "1.2.3.4", ">=", "1.0-01", "x1"} {
		if re.MatchString(r) {
			t.Errorf("%q: the pattern admits it", r)
		}
	}
	alphabet := []byte("0123456789.x*^~<>=!, |-v+a")
	rnd := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		b := make([]byte, 1+rnd.Intn(9))
		for j := range b {
			b[j] = alphabet[rnd.Intn(len(alphabet))]
		}
		if s := string(b); re.MatchString(s) {
			if _, err := semver.NewConstraint(s); err != nil {
				t.Fatalf("%q: the pattern admits it, the parser refuses it: %v", s, err)
			}
		}
	}
}
