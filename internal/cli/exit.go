package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes shared by all commands. Commands may define more (tug diff: 1
// when there are changes) by returning an *ExitError.
const (
	ExitOK = 0
	// ExitFailure is the code of any error that does not carry its own.
	ExitFailure = 2
)

// ExitError makes tug exit with Code. With a nil Err nothing is printed: the
// command has already said what it had to, and the code is the answer (a diff
// that found changes).
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of Err, or the exit status when there is none.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err, so errors.Is and errors.As see through the code.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the process exit code for err: ExitOK for nil, the code of
// the outermost *ExitError in its chain, ExitFailure otherwise.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	return ExitFailure
}

// Execute runs cmd, prints its error (if any, and if it has a message) to the
// command's error stream, and returns the exit code for main to exit with.
func Execute(ctx context.Context, cmd *cobra.Command) int {
	err := cmd.ExecuteContext(ctx)
	var exit *ExitError
	if err != nil && !(errors.As(err, &exit) && exit.Err == nil) {
		fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
		for _, h := range hints(err) {
			fmt.Fprintf(cmd.ErrOrStderr(), "Hint: %s\n", h)
		}
	}
	return ExitCode(err)
}
