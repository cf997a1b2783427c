// Package cli holds tug's commands: one file per command, each a constructor
// that turns flags into options, calls the engine and prints the result.
package cli

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tugboat-gitops/tugboat/internal/pipeline"
)

// IOStreams are where a command reads and writes, so tests can capture them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// StdStreams returns the process's standard input, output and error.
func StdStreams() IOStreams {
	return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// GlobalOptions are the flags every command accepts, and the streams they
// write to. The root command fills one and hands it to every subcommand.
type GlobalOptions struct {
	// Kubeconfig is the path (or list of paths) to kubeconfig files.
	Kubeconfig string
	// Context is the kubeconfig context to use; empty means the current one.
	Context   string
	Output    OutputFormat
	LogLevel  slog.Level
	LogFormat LogFormat
	Streams   IOStreams
}

// Logger returns a logger writing to the error stream at the chosen level and
// format. Standard output is kept for results, so it stays parseable.
func (o *GlobalOptions) Logger() *slog.Logger {
	return NewLogger(o.Streams.ErrOut, o.LogLevel, o.LogFormat)
}

// pipeline is the engine, logging through Logger.
func (o *GlobalOptions) pipeline() *pipeline.Pipeline {
	return pipeline.New(pipeline.Options{Logger: o.Logger()})
}

// Print writes a command's result to the output stream in the chosen format.
func (o *GlobalOptions) Print(v TextWriter) error {
	return Print(o.Streams.Out, o.Output, v)
}

// NewRootCommand builds the tug command tree around streams.
func NewRootCommand(streams IOStreams) *cobra.Command {
	opts := &GlobalOptions{
		Output: OutputText,
		// Quiet unless asked: results go to stdout, and info would
		// repeat every change there on stderr.
		LogLevel:  slog.LevelWarn,
		LogFormat: LogFormatText,
		Streams:   streams,
	}
	cmd := &cobra.Command{
		Use:   "tug",
		Short: "Tugboat: GitOps continuous deployment for Kubernetes",
		Long: `Tugboat: GitOps continuous deployment for Kubernetes.

tug renders the manifests of an application from git, Helm or OCI sources,
shows how they differ from a cluster, and applies them with server-side apply,
pruning what the application no longer declares. The in-cluster controller
runs the same pipeline, so an application can move between push (tug apply
from CI) and pull (the controller) without the cluster noticing.`,
		// Usage after a runtime error buries the error; flag errors say
		// what is wrong on their own.
		SilenceUsage: true,
		// Execute prints errors, so that an *ExitError without a message
		// can exit quietly.
		SilenceErrors: true,
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	// tug completion replaces cobra's default command, which also offers
	// shells tug does not support.
	cmd.CompletionOptions.DisableDefaultCmd = true
	addGlobalFlags(cmd, opts)
	cmd.AddCommand(
		newVersionCommand(opts),
		newCompletionCommand(),
		newRenderCommand(opts),
		newDiffCommand(opts),
		newApplyCommand(opts),
		newStatusCommand(opts),
		newDeleteCommand(opts),
		newControllerCommand(opts),
		newGetCommand(opts),
		newSyncCommand(opts),
		newSuspendCommand(opts, true),
		newSuspendCommand(opts, false),
		newHistoryCommand(opts),
		newInstallCommand(opts),
		newUninstallCommand(opts),
		newImageCommand(opts),
		newRollbackCommand(opts),
		newPromoteCommand(opts),
	)
	return cmd
}

// addGlobalFlags registers the persistent flags backed by opts, with shell
// completion for the ones that take a fixed set of values.
func addGlobalFlags(cmd *cobra.Command, opts *GlobalOptions) {
	flags := cmd.PersistentFlags()
	flags.StringVar(&opts.Kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"),
		"path to the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	flags.StringVar(&opts.Context, "context", "", "kubeconfig context to use (default the current context)")
	output := newEnumFlag(&opts.Output, OutputText, OutputJSON, OutputYAML)
	flags.VarP(output, "output", "o", "output format: "+output.choices())
	flags.Var(logLevelFlag{&opts.LogLevel}, "log-level", "minimum level of log messages on stderr: "+strings.Join(logLevelNames(), "|")+" (info: each change; debug: fetches, renders and plan decisions)")
	logFormat := newEnumFlag(&opts.LogFormat, LogFormatText, LogFormatJSON)
	flags.Var(logFormat, "log-format", "format of log messages on stderr: "+logFormat.choices())

	completeWith(cmd, "output", output.names())
	completeWith(cmd, "log-level", logLevelNames())
	completeWith(cmd, "log-format", logFormat.names())
}

func completeWith(cmd *cobra.Command, flag string, values []string) {
	// The error is only for a flag that does not exist, a bug caught by
	// the tests.
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}
