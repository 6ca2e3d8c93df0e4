// Applies the remembered theme before the first paint (no flash of the other theme). A file, not
// an inline script, so that the page's Content-Security-Policy can forbid inline scripts.
try {
    var t = localStorage.getItem('sigmaplay-theme');
    if (!t) t = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    document.documentElement.setAttribute('data-theme', t);
} catch (e) {}
