package helm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
)

// schemaURL is where Helm places a chart's values.schema.json, so that
// relative $refs and error messages read as they do with Helm.
const schemaURL = "file:///values.schema.json"

// validateSchemas checks the coalesced values against values.schema.json
// of the chart and of each subchart that has values, as Helm's
// ValidateAgainstSchema does, with one difference: a $ref to another
// document is refused rather than fetched. Helm would read it from any
// local file or over HTTP, which lets a hostile chart probe the
// controller's file system and network.
func validateSchemas(chrt *chart.Chart, vals any) error {
	m, _ := vals.(common.Values)
	var sb strings.Builder
	collectSchemaErrors(chrt, m, &sb)
	if sb.Len() > 0 {
		return fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", sb.String())
	}
	return nil
}

func collectSchemaErrors(chrt *chart.Chart, vals map[string]any, sb *strings.Builder) {
	if chrt.Schema != nil {
		if err := validateSchema(vals, chrt.Schema); err != nil {
			fmt.Fprintf(sb, "%s:\n%s", chrt.Name(), err)
		}
	}
	for _, sub := range chrt.Dependencies() {
		raw, ok := vals[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		subVals, ok := raw.(map[string]any)
		if !ok {
			fmt.Fprintf(sb, "%s:\ninvalid type for values: expected object (map), got %T\n", sub.Name(), raw)
			continue
		}
		collectSchemaErrors(sub, subVals, sb)
	}
}

// validateSchema validates values against one schema document. Errors end
// in a newline, as Helm's do, so that those of several charts line up.
func validateSchema(values map[string]any, schemaJSON []byte) (err error) {
	defer func() {
		// Helm guards against the validator panicking on odd schemas too.
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %v\n", r)
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("%w\n", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return fmt.Errorf("%w\n", err)
	}
	schema, err := c.Compile(schemaURL)
	if err != nil {
		return fmt.Errorf("%w\n", err)
	}
	if err := schema.Validate(values); err != nil {
		msg := strings.TrimPrefix(err.Error(), "jsonschema validation failed with '"+schemaURL+"#'\n")
		return errors.New(msg + "\n")
	}
	return nil
}

// refuseLoader is the compiler's only way to load a document: it refuses
// all of them but URNs, which it reads as the schema that allows anything,
// as Helm does with URNs it cannot resolve. The JSON Schema meta-schemas
// are built into the compiler and need no loading.
type refuseLoader struct{}

// Load refuses url, or allows anything for a URN.
func (refuseLoader) Load(url string) (any, error) {
	if strings.HasPrefix(url, "urn:") {
		return true, nil
	}
	// The validator reports this error as text only, not wrapped.
	return nil, fmt.Errorf("values schema refers outside the chart: %s is not loaded (only references within the schema are followed)", url)
}
