// The deploy target: one service, version and region of one deploy. Its own file because
// everything below the activities (templates, adapters, checks) needs it and nothing else.
/** What templates are filled with: {{service}}, {{region}}, {{version}}, {{deployId}}. */
export interface Target {
  service: string;
  region: string;
  version: string;
  deployId: string;
}
