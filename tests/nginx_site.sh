# The nginx site that tests/servers.sh serves and bench/servers.sh measures: a static 612-byte page (the page
# size the Unikraft paper used) and a configuration for a master and two workers; source it, then call
# nginx_site DIR, which writes DIR/www/index.html and DIR/nginx.conf (paths in it are under DIR).
nginx_site() {
	mkdir -p "$1/www" "$1/tmp"
	{
		printf '<!DOCTYPE html>\n<html><head><title>Mica</title></head><body>\n<p>'
		ns_i=0
		while [ $ns_i -lt 528 ]; do
			printf '%s' $((ns_i % 10))
			ns_i=$((ns_i + 1))
		done
		printf '</p>\n</body></html>\n'
	} > "$1/www/index.html"
	cat > "$1/nginx.conf" << END
daemon off;
master_process on;
worker_processes 2;
pid $1/nginx.pid;
error_log stderr info;
events { worker_connections 256; }
http {
	access_log off;
	sendfile on; # as Debian's own nginx.conf: the page goes from the file to the socket by sendfile
	tcp_nopush on;
	keepalive_requests 100000; # wrk's connections stay open for the whole run (nginx closes one at 1,000 by default)
	client_body_temp_path $1/tmp;
	proxy_temp_path $1/tmp;
	fastcgi_temp_path $1/tmp;
	uwsgi_temp_path $1/tmp;
	scgi_temp_path $1/tmp;
	server {
		listen 80;
		root $1/www;
	}
}
END
}
