// The campaign's "new build" of the workflow code: the same workflows, bundled from this entry
// into a separate bundle file and run by workers labelled FIREBREAK_BUILD_ID=chaos-build-2.
// A worker from this build replaces an old one while deploys are in flight (docs/design.md,
// "Worker upgrades"): it must carry on histories the old build started.
export * from '../../workflows/index.js';
