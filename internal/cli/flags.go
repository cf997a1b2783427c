package cli

import (
	"fmt"
	"strings"
)

// enumFlag is a string flag that accepts only one of a fixed set of values,
// so a typo fails while flags are parsed, with the choices in the message.
type enumFlag[T ~string] struct {
	value   *T
	allowed []T
}

func newEnumFlag[T ~string](value *T, allowed ...T) *enumFlag[T] {
	return &enumFlag[T]{value: value, allowed: allowed}
}

// String returns the current value.
func (f *enumFlag[T]) String() string { return string(*f.value) }

// Type names the flag's type in help text.
func (f *enumFlag[T]) Type() string { return "string" }

// Set accepts s if it is one of the allowed values.
func (f *enumFlag[T]) Set(s string) error {
	for _, a := range f.allowed {
		if T(s) == a {
			*f.value = a
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", f.choices())
}

// choices lists the allowed values for messages and help text.
func (f *enumFlag[T]) choices() string {
	return strings.Join(f.names(), "|")
}

// names returns the allowed values, also used for shell completion.
func (f *enumFlag[T]) names() []string {
	names := make([]string, len(f.allowed))
	for i, a := range f.allowed {
		names[i] = string(a)
	}
	return names
}
