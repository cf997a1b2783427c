package cli

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

type sample struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (s sample) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s: %d\n", s.Name, s.Count)
	return err
}

func TestPrint(t *testing.T) {
	tests := []struct {
		format  OutputFormat
		want    string
		wantErr bool
	}{
		{OutputText, "web: 3\n", false},
		{"", "web: 3\n", false},
		{OutputJSON, "{\n  \"name\": \"web\",\n  \"count\": 3\n}\n", false},
		{OutputYAML, "count: 3\nname: web\n", false},
		{"xml", "", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			err := Print(&buf, tt.format, sample{Name: "web", Count: 3})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Print error = %v, wantErr %v", err, tt.wantErr)
			}
			if buf.String() != tt.want {
				t.Errorf("Print wrote %q, want %q", buf.String(), tt.want)
			}
		})
	}
}
