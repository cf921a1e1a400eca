// A single-page app: everything renders on the tablet, offline.
export const ssr = false;
export const prerender = false;
