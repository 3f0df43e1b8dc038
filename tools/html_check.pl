#!/usr/bin/env perl
# tools/html_check.pl HTML_DIR: the docs gate's reading of the site Doxygen made.
#
# Doxygen's own warnings miss what a reader sees on the page: markdown it did
# not understand is printed as it was typed. This reads every page of the site
# the way a reader does (the text outside code blocks and tooltips) and
# reports, one line each, with a few words around the place:
#   - markdown markers left in the text: `**`, stray backticks;
#   - Doxygen's internal markers: `\ilinebr`, `\@`, `\#`, unrendered `\f[`/`\f$`;
#   - HTML markup shown as text (`&lt;td ...`, `&lt;tt&gt;`), in a page, its
#     <title>, or the navigation tree;
#   - links and images that go nowhere: a relative target whose file is not in
#     the site, or a scheme that is not a web or mail address (`file:line:`).
# Exits 1 when anything is found, 0 when the site is clean; 2 on bad use.
# Not here: Doxygen's warnings (tools/docs.sh counts those), or how the pages
# look in a browser (tools/docs_browser.sh).
use strict;
use warnings;

my $dir = shift @ARGV or do { print STDERR "html_check.pl: usage: html_check.pl HTML_DIR\n"; exit 2; };
-d $dir or do { print STDERR "html_check.pl: $dir is not a folder. HINT: run make docs first\n"; exit 2; };

my @problems;
my %limit;    # at most a few reports per page and kind, so one bad table does not fill the screen
sub report {
    my ($file, $kind, $context) = @_;
    return if ++$limit{"$file\0$kind"} > 3;
    $context =~ s/\s+/ /g;
    $context = substr($context, 0, 90) . '...' if length $context > 90;
    push @problems, "$file: $kind: \"$context\"";
}

# The text around position $pos of $s, for the report.
sub around {
    my ($s, $pos, $len) = @_;
    my $from = $pos > 40 ? $pos - 40 : 0;
    return substr($s, $from, ($pos - $from) + $len + 40);
}

# Remove the elements a reader does not read as prose: scripts, styles, code
# blocks (div.fragment, pre) and their tooltips (div.ttc), by counting nested
# divs, since a fragment's lines are divs too.
sub strip_blocks {
    my ($html) = @_;
    $html =~ s{<script\b.*?</script>}{ }gis;
    $html =~ s{<style\b.*?</style>}{ }gis;
    $html =~ s{<!--.*?-->}{ }gs;
    $html =~ s{<pre\b.*?</pre>}{ }gis;
    # the API's member tables: each row is a declaration (char **argv), code
    $html =~ s{<td class="memItem(?:Left|Right)"[^>]*>.*?</td>}{ }gis;
    my $out = '';
    my $depth = 0;    # > 0: inside a skipped div
    while ($html =~ m{\G(.*?)(<(/?)div\b[^>]*>)}gcs) {
        my ($before, $tag, $close) = ($1, $2, $3);
        $out .= $before if $depth == 0;
        if ($depth > 0) {
            $depth += $close ? -1 : 1;
        } elsif (!$close && $tag =~ /class="(?:fragment|ttc|memproto|memdoc)\b/) {
            # memproto/memdoc are the API's declarations: code, shown as code
            $depth = 1;
        } else {
            $out .= $tag;
        }
    }
    $out .= substr($html, pos($html) // 0) if $depth == 0;
    return $out;
}

sub check_prose {
    my ($file, $html) = @_;
    # inline code spans apart: their content is code, not prose
    (my $prose = $html) =~ s{<code\b[^>]*>.*?</code>}{ CODE }gis;
    (my $text = $prose) =~ s{<[^>]*>}{ }gs;    # the text between tags
    # `**` that opens or closes bold: touching a word or a code span on one side
    # only (a ** p, Python's power with spaces around, is prose)
    while ($text =~ /(?:(?:^|\s)\*\*(?=\w)|(?<=\w)\*\*(?=[\s.,:;)]|$)|\*\*(?=\s*CODE)|(?<=CODE)\s*\*\*)/g) {
        report($file, 'markdown bold (**) shown as text', around($text, $-[0], 2));
    }
    while ($text =~ /`/g) { report($file, 'a backtick shown as text (a code span that did not close, or bold around code)', around($text, $-[0], 1)); }
    while ($html =~ /\\ilinebr/g) { report($file, "Doxygen's \\ilinebr shown as text", around($html, $-[0], 8)); }
    while ($text =~ /\\[@#]/g) { report($file, 'an escaped @ or # shown with its backslash', around($text, $-[0], 2)); }
    while ($text =~ /\\f[\[\]\$]/g) { report($file, 'a formula Doxygen did not render (\\f[ or \\f$)', around($text, $-[0], 3)); }
    while ($html =~ /&lt;\/?(?:td|tr|th|table|tt|code|b|em|strong|div|span|p|br|img|ul|ol|li)\b/gi) {
        report($file, 'HTML markup shown as text', around($html, $-[0], 6));
    }
}

sub check_links {
    my ($file, $html) = @_;
    while ($html =~ /<(a|img)\b[^>]*?\b(href|src)="([^"]*)"/gi) {
        my $t = $3;
        next if $t eq '' || $t =~ /^#/;
        if ($t =~ /^([a-zA-Z][\w+.-]*):/) {
            my $scheme = lc $1;
            report($file, "a link that goes nowhere (\"$scheme:\" is not a web address)", $t)
                unless $scheme =~ /^(?:https?|mailto|javascript)$/;
            next;
        }
        (my $path = $t) =~ s/[?#].*$//;
        next if $path eq '';
        report($file, 'a link to a file that is not in the site', $t) unless -e "$dir/$path";
    }
}

opendir my $dh, $dir or die "html_check.pl: cannot read $dir: $!\n";
my @files = sort grep { /\.(?:html|js)$/ } readdir $dh;
closedir $dh;
for my $f (@files) {
    open my $fh, '<', "$dir/$f" or do { report($f, 'cannot be read', $!); next; };
    local $/;
    my $html = <$fh>;
    close $fh;
    if ($f =~ /^(?:navtree|menudata)/ && $f =~ /\.js$/) {
        # the navigation: each entry's name is shown as text
        while ($html =~ /\[\s*"((?:[^"\\]|\\.)*)"/g) {
            my $name = $1;
            report($f, 'markup in a navigation entry', $name) if $name =~ /<|&lt;/;
        }
        next;
    }
    next unless $f =~ /\.html$/;
    if ($html =~ m{<title>(.*?)</title>}s && $1 =~ /<|&lt;|`|\*\*/) { report($f, 'markup in the page title', $1); }
    check_links($f, $html);
    check_prose($f, strip_blocks($html));
}

if (@problems) {
    print "$_\n" for @problems;
    exit 1;
}
exit 0;
