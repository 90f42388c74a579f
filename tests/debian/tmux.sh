#!/bin/sh
# tmux: a detached session runs a command on a pty of its own; the client reads its pane and ends the server.
sock=${TMPDIR:-/tmp}/tmux-test.sock
tmux -u -S "$sock" new-session -d -s t -x 80 -y 24 'echo inside-tmux $(tty | cut -c1-9) $(stty size); sleep 30' || exit 1
sleep 2
tmux -S "$sock" capture-pane -p -t t | grep inside-tmux
tmux -S "$sock" list-sessions -F '#{session_name} #{session_windows} #{window_width}x#{window_height}'
tmux -S "$sock" kill-server
echo ended $?
