package setter

import (
	"errors"
	"testing"
)

func TestSetValue(t *testing.T) {
	const file = `apiVersion: tugboat.dev/v1alpha1
kind: Repository
apps:
  - name: staging
    chart: {repo: oci://r/charts, name: web, version: 1.4.0}   # staging first
  - name: production
    chart:
      repo: oci://r/charts
      name: web
      version: "1.3.0" # pinned
`
	tests := []struct {
		name, path, value, want string
		wantErr                 error
		wantLine                int
	}{
		{name: "quoted, comment kept", path: "apps[1].chart.version", value: "1.4.0", wantLine: 10,
			want: file[:len(file)-len("\"1.3.0\" # pinned\n")] + "\"1.4.0\" # pinned\n"},
		{name: "flow mapping", path: "apps[0].chart.version", value: "1.5.0", wantLine: 5,
			want: "apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n  - name: staging\n    chart: {repo: oci://r/charts, name: web, version: 1.5.0}   # staging first\n" + file[len("apiVersion: tugboat.dev/v1alpha1\nkind: Repository\napps:\n  - name: staging\n    chart: {repo: oci://r/charts, name: web, version: 1.4.0}   # staging first\n"):]},
		{name: "unchanged", path: "apps[0].chart.version", value: "1.4.0", want: file},
		{name: "missing", path: "apps[2].chart.version", value: "1", wantErr: ErrPathNotFound},
		{name: "not a scalar", path: "apps[0].chart", value: "1", wantErr: ErrNotSettable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, change, err := SetValue("tugboat.yaml", []byte(file), tt.path, tt.value)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out, tt.want)
			}
			if (change == nil) != (tt.wantLine == 0) || (change != nil && (change.Line != tt.wantLine || change.New != tt.value)) {
				t.Errorf("change %+v, want line %d", change, tt.wantLine)
			}
		})
	}
}
