// Package shimlog is a telegraf.Logger for plugins run by inputs.execd. The
// execd input reads the plugin's stderr line by line and logs a line at the
// level its prefix names ("E! ", "W! ", "I! ", "D! ", "T! "); any other line
// becomes an error. So every line, also of multi-line messages, gets the
// prefix, and nothing else: Telegraf adds the time.
package shimlog

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/influxdata/telegraf"
)

// Logger writes Telegraf level-prefixed lines to w.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level telegraf.LogLevel
}

// New logs to w everything at level or more severe.
func New(w io.Writer, level telegraf.LogLevel) *Logger {
	return &Logger{w: w, level: level}
}

func (l *Logger) print(level telegraf.LogLevel, msg string) {
	if !l.level.Includes(level) {
		return
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		b.WriteString(level.Indicator())
		b.WriteByte(' ')
		b.WriteString(line)
		b.WriteByte('\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, b.String())
}

func (l *Logger) Level() telegraf.LogLevel { return l.level }

// AddAttribute is part of telegraf.Logger; lines carry no attributes.
func (*Logger) AddAttribute(string, interface{}) {}

func (l *Logger) Errorf(format string, args ...interface{}) {
	l.print(telegraf.Error, fmt.Sprintf(format, args...))
}
func (l *Logger) Error(args ...interface{}) { l.print(telegraf.Error, fmt.Sprint(args...)) }
func (l *Logger) Warnf(format string, args ...interface{}) {
	l.print(telegraf.Warn, fmt.Sprintf(format, args...))
}
func (l *Logger) Warn(args ...interface{}) { l.print(telegraf.Warn, fmt.Sprint(args...)) }
func (l *Logger) Infof(format string, args ...interface{}) {
	l.print(telegraf.Info, fmt.Sprintf(format, args...))
}
func (l *Logger) Info(args ...interface{}) { l.print(telegraf.Info, fmt.Sprint(args...)) }
func (l *Logger) Debugf(format string, args ...interface{}) {
	l.print(telegraf.Debug, fmt.Sprintf(format, args...))
}
func (l *Logger) Debug(args ...interface{}) { l.print(telegraf.Debug, fmt.Sprint(args...)) }
func (l *Logger) Tracef(format string, args ...interface{}) {
	l.print(telegraf.Trace, fmt.Sprintf(format, args...))
}
func (l *Logger) Trace(args ...interface{}) { l.print(telegraf.Trace, fmt.Sprint(args...)) }
